"""The JSON API, one router per area: experiments, jobs, progress, checks."""

from rnnlab.web.api import checks, experiments, jobs, progress

routers = [experiments.router, jobs.router, progress.router, checks.router]
