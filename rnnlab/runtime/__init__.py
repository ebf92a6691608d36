"""What runs experiments for a server: result caching (``cache``), grading a predict check against its live experiment (``predict``); later the job queue and the worker."""
