"""The JSON API, one router per area: experiments, jobs, progress, checks, the lab."""

from rnnlab.web.api import checks, experiments, jobs, lab, progress

routers = [experiments.router, jobs.router, progress.router, checks.router, lab.router]
