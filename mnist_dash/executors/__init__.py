"""Where training jobs run: the interface the job manager schedules onto, and its implementations.

`base` defines what crosses the boundary (plain, picklable data); `threads` runs jobs in this
process's worker threads (the default); a cluster executor runs them in other processes.
"""
