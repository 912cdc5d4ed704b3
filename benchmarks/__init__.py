"""mnist-dash benchmarks: engine speed, machine limit, live view, app latency and many learners."""
