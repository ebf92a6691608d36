"""What runs experiments for a server: result caching (``cache``); later the job queue and the worker."""
