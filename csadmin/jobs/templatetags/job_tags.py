"""The job badge and arguments, the same on every page that shows a run."""

from __future__ import annotations

from django import template

from csadmin.jobs.presenters import is_dry_run, job_arguments, outcome

register = template.Library()


@register.inclusion_tag("jobs/_badge.html")
def job_badge(run, testid: str = ""):
    """The run's outcome badge: coloured by state, its text saying the state."""
    return {"outcome": outcome(run), "testid": testid}


@register.inclusion_tag("jobs/_arguments.html")
def job_arguments_inline(run):
    """The run's declared arguments on one line, and a "dry run" label when it is one."""
    return {"arguments": job_arguments(run), "dry_run": is_dry_run(run)}


@register.simple_tag
def job_argument_list(run):
    return job_arguments(run)
