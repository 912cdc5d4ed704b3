// A line chart drawn on a canvas: the live charts' renderer (spec: mnist_dash/canvas_chart.py).
// Streamlit calls the default export with new data on every rerun that changes it; drawing the
// whole chart again costs about a millisecond, where a plotly redraw costs 0.1-0.25 s.

const GRID = "#E5E5E5";
const AXIS = "#888888";
const INK = "#31333F";
const GAP = 8; // pixels between a title, the plot and the legend

function niceStep(span, count) {
  const raw = span / Math.max(count, 1);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw);
  return step || 10 * power;
}

function ticks(low, high, count) {
  // About `count` round values in [low, high], and never fewer than two: a short plot asks for two,
  // and a step of 0.5 over a loss from 1.6 to 2.3 gave only "2", an axis nobody can read.
  if (!(high > low)) return [low];
  const step = niceStep(high - low, count);
  const first = Math.ceil(low / step - 1e-9) * step;
  const out = [];
  for (let v = first; v <= high + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out.length < 2 && count < 10 ? ticks(low, high, count + 1) : out;
}

const FORMATS = new Map(); // decimals -> Intl.NumberFormat (making one costs far more than using it)

function tickText(value, step) {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  if (!FORMATS.has(decimals)) {
    FORMATS.set(decimals, new Intl.NumberFormat(undefined, { minimumFractionDigits: decimals,
                                                             maximumFractionDigits: decimals }));
  }
  return FORMATS.get(decimals).format(value);
}

function extent(spec) {
  let [xLow, xHigh, yLow, yHigh] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const trace of spec.traces) {
    trace.x.forEach((x, i) => {
      const y = trace.y[i];
      if (x === null || y === null) return;
      xLow = Math.min(xLow, x); xHigh = Math.max(xHigh, x);
      yLow = Math.min(yLow, y); yHigh = Math.max(yHigh, y);
    });
  }
  if (!isFinite(xLow)) [xLow, xHigh, yLow, yHigh] = [0, 1, 0, 1];
  if (spec.xRange) [xLow, xHigh] = spec.xRange;
  if (spec.yRange) [yLow, yHigh] = spec.yRange;
  else {
    if (spec.yFromZero) yLow = Math.min(0, yLow);
    const pad = (yHigh - yLow || Math.abs(yHigh) || 1) * 0.05;
    yHigh += pad;
    if (!spec.yFromZero) yLow -= pad;
  }
  if (xHigh <= xLow) xHigh = xLow + 1;
  if (yHigh <= yLow) yHigh = yLow + 1;
  return { xLow, xHigh, yLow, yHigh };
}

function named(spec) {
  // The traces the legend lists: those with a point (as plotly, which leaves out empty ones).
  return spec.traces.filter((trace) => trace.name && trace.x.length);
}

function legendRows(g, spec, width, font) {
  // Entries left to right, wrapping: [{trace, x, row}]
  g.font = font;
  const entries = [];
  let x = 0, row = 0;
  for (const trace of named(spec)) {
    const w = 34 + g.measureText(trace.name).width + 18;
    if (x > 0 && x + w > width) { x = 0; row += 1; }
    entries.push({ trace, x, row });
    x += w;
  }
  return entries;
}

function sample(g, trace, x, y) {
  // The legend's sample of a trace: a short line and/or a marker, as the trace is drawn.
  g.save();
  g.globalAlpha = trace.opacity;
  g.strokeStyle = g.fillStyle = trace.color;
  if (trace.lines) {
    g.lineWidth = trace.width;
    g.setLineDash(dash(trace));
    g.beginPath(); g.moveTo(x, y); g.lineTo(x + 28, y); g.stroke();
  }
  if (trace.markers) { g.beginPath(); g.arc(x + 14, y, trace.markerSize / 2, 0, 2 * Math.PI); g.fill(); }
  g.restore();
}

function dash(trace) {
  const w = trace.width;
  return { dash: [4 * w, 2.5 * w], dot: [w, 2 * w], dashdot: [4 * w, 2 * w, w, 2 * w] }[trace.dash] || [];
}

function draw(root, spec) {
  const canvas = root.canvas;
  const width = Math.max(200, Math.floor(root.parent.clientWidth || 600));
  // The page's style may make the element shorter than the spec (look.FITS_SHORT_WINDOW): fill it.
  const height = Math.min(spec.height, root.frame?.clientHeight || spec.height);
  const title = height < spec.height && spec.title === spec.yTitle ? "" : spec.title; // the y axis says it
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
    canvas.style.width = width + "px"; canvas.style.height = height + "px";
  }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const family = getComputedStyle(root.parent).fontFamily || "sans-serif";
  const font = `${spec.fontSize}px ${family}`;
  const line = spec.fontSize * 1.3;

  // Room around the plot: title on top, y title and tick labels left, x title and legend below.
  let top = GAP, left = 0, right = width - GAP, bottom = height;
  if (title) top += spec.titleSize * 1.3 + GAP;
  let entries = [];
  if (spec.legend === "right") {
    g.font = font;
    const widest = Math.max(0, ...named(spec).map((t) => g.measureText(t.name).width));
    const legendWidth = Math.min(width * 0.35, 34 + widest + GAP);
    right -= legendWidth + GAP;
  } else if (spec.legend === "below") {
    entries = legendRows(g, spec, width - 2 * GAP, font);
    const rows = entries.length ? entries[entries.length - 1].row + 1 : 0;
    bottom -= rows * line + GAP;
  }
  if (spec.xTitle) bottom -= line + GAP / 2;
  bottom -= line + GAP; // the x tick labels
  const box = extent(spec);
  g.font = font;
  right -= g.measureText(tickText(box.xHigh, 1)).width / 2; // the last x tick label stays inside
  const yTicks = ticks(box.yLow, box.yHigh, Math.max(2, Math.floor((bottom - top) / (line * 1.8))));
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  g.font = font;
  const yLabelWidth = Math.max(...yTicks.map((v) => g.measureText(tickText(v, yStep)).width));
  left = GAP + (spec.yTitle ? line + GAP / 2 : 0) + yLabelWidth + GAP;
  const X = (x) => left + ((x - box.xLow) / (box.xHigh - box.xLow)) * (right - left);
  const Y = (y) => bottom - ((y - box.yLow) / (box.yHigh - box.yLow)) * (bottom - top);

  // Title, grid, ticks and axis titles.
  g.fillStyle = INK; g.textBaseline = "middle";
  if (title) {
    g.font = `600 ${spec.titleSize}px ${family}`; g.textAlign = "left";
    g.fillText(title, GAP, GAP + spec.titleSize * 0.65);
  }
  g.font = font; g.lineWidth = 1; g.strokeStyle = GRID;
  g.textAlign = "right";
  for (const v of yTicks) {
    g.beginPath(); g.moveTo(left, Math.round(Y(v)) + 0.5); g.lineTo(right, Math.round(Y(v)) + 0.5); g.stroke();
    g.fillText(tickText(v, yStep), left - GAP, Y(v));
  }
  const xLabel = g.measureText(tickText(box.xHigh, 1)).width + 3 * GAP;
  const xTicks = ticks(box.xLow, box.xHigh, Math.max(2, Math.floor((right - left) / xLabel)));
  const xStep = xTicks.length > 1 ? xTicks[1] - xTicks[0] : 1;
  g.textAlign = "center";
  for (const v of xTicks) {
    g.beginPath(); g.moveTo(Math.round(X(v)) + 0.5, top); g.lineTo(Math.round(X(v)) + 0.5, bottom); g.stroke();
    g.fillText(tickText(v, xStep), X(v), bottom + GAP + line / 2);
  }
  g.strokeStyle = AXIS;
  g.beginPath(); g.moveTo(left, bottom + 0.5); g.lineTo(right, bottom + 0.5); g.stroke();
  if (spec.xTitle) g.fillText(spec.xTitle, (left + right) / 2, bottom + GAP + line * 1.5 + GAP / 2);
  if (spec.yTitle) {
    g.save(); g.translate(GAP + line / 2, (top + bottom) / 2); g.rotate(-Math.PI / 2);
    g.fillText(spec.yTitle, 0, 0); g.restore();
  }

  // Vertical marks, then the traces, clipped to the plot.
  g.save();
  g.beginPath(); g.rect(left, top - 1, right - left, bottom - top + 2); g.clip();
  for (const mark of spec.marks) {
    g.strokeStyle = mark.color; g.setLineDash([2, 3]); g.lineWidth = 1.5;
    g.beginPath(); g.moveTo(X(mark.x), top); g.lineTo(X(mark.x), bottom); g.stroke();
    g.setLineDash([]); g.fillStyle = INK; g.textAlign = "left";
    g.fillText(mark.text, X(mark.x) + 4, top + line / 2);
  }
  let points = 0;
  for (const trace of spec.traces) {
    g.globalAlpha = trace.opacity;
    g.strokeStyle = g.fillStyle = trace.color;
    g.lineWidth = trace.width; g.lineJoin = "round";
    if (trace.lines) {
      g.setLineDash(dash(trace));
      g.beginPath();
      let drawing = false;
      trace.x.forEach((x, i) => {
        const y = trace.y[i];
        if (x === null || y === null) { drawing = false; return; }
        if (drawing) g.lineTo(X(x), Y(y)); else g.moveTo(X(x), Y(y));
        drawing = true;
      });
      g.stroke();
      g.setLineDash([]);
    }
    if (trace.markers) {
      trace.x.forEach((x, i) => {
        if (x === null || trace.y[i] === null) return;
        g.beginPath(); g.arc(X(x), Y(trace.y[i]), trace.markerSize / 2, 0, 2 * Math.PI); g.fill();
      });
    }
    points += trace.x.length;
    g.globalAlpha = 1;
  }
  g.restore();

  // The legend: beside the plot, or in rows under the x title.
  g.font = font; g.textAlign = "left"; g.fillStyle = INK;
  if (spec.legend === "right") {
    named(spec).forEach((trace, i) => {
      const y = top + line * (i + 0.5);
      sample(g, trace, right + 2 * GAP, y);
      g.fillStyle = INK; g.fillText(trace.name, right + 2 * GAP + 34, y);
    });
  } else if (spec.legend === "below") {
    const first = height - (entries.length ? entries[entries.length - 1].row + 1 : 0) * line - GAP / 2;
    for (const { trace, x, row } of entries) {
      const y = first + line * (row + 0.5);
      sample(g, trace, GAP + x, y);
      g.fillStyle = INK; g.fillText(trace.name, GAP + x + 34, y);
    }
  }
  // What tests read: the chart's words and how many points it drew.
  canvas.setAttribute("aria-label", [spec.title, spec.xTitle, spec.yTitle].filter(Boolean).join(" · "));
  canvas.dataset.points = String(points);
  canvas.dataset.traces = spec.traces.map((t) => t.name).join("\n");
  canvas.dataset.xMax = String(Math.max(...spec.traces.map((t) => (t.x.length ? t.x[t.x.length - 1] : 0)), 0));
}

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.__lineChart;
  if (!root) {
    const box = document.createElement("div");
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.className = "line-chart";
    canvas.style.display = "block";
    box.appendChild(canvas);
    parentElement.appendChild(box);
    const frame = parentElement.closest("[data-testid='stElementContainer']");
    root = parentElement.__lineChart = { canvas, parent: box, frame, spec: data };
    const observer = new ResizeObserver(() => draw(root, root.spec));
    observer.observe(box);
    if (frame) observer.observe(frame); // made shorter by the page's style in a short window
  }
  root.spec = data;
  draw(root, data);
}

export { ticks }; // for tests/e2e/test_line_chart_browser.py
