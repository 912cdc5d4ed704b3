"""Where training jobs run: the interface the job manager schedules onto, and its implementations.

`base` defines what crosses the boundary (plain, picklable data); `threads` runs jobs in this
process's worker threads (the default); `ray_cluster` runs them as Ray tasks in worker processes
on a Ray cluster's nodes (`ray_tasks` is what runs inside those processes). Both call
`worker.run_job`.
"""
