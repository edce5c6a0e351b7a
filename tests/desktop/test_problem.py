"""Errors in words: the one way (controllers/problem.py) for a failed call and a failed job."""

from __future__ import annotations

from umt.client.errors import ApiError, GatewayUnreachable, JobFailed
from umt.contract import JobError
from umt.desktop.controllers.problem import Problem


def test_a_refusal_is_a_sentence_naming_the_field():
    problem = Problem.from_error(ApiError(422, "validation_failed", "must not be empty", "title"))
    assert (problem.message, problem.field, problem.code) == ("Must not be empty.", "title", "validation_failed")


def test_a_jobs_input_field_is_named_as_the_form_names_it():
    assert Problem.from_error(ApiError(422, "validation_failed", "is not a URL", "input.url")).field == "url"
    problem = Problem.from_job_error(JobError(code="not_found", message="no such brand", field="input.brand"))
    assert (problem.message, problem.field, problem.code) == ("No such brand.", "brand", "not_found")


def test_a_failed_job_without_a_reason_still_says_it_failed():
    assert Problem.from_job_error(None).message == "The job failed."
    assert Problem.from_job_error(JobError(code="crashed", message="")).message == "The job failed."


def test_a_jobfailed_reads_as_its_jobs_error():
    class Job:
        error = JobError(code="llm_unavailable", message="the model is down", field=None)

    failed = Problem.from_error(JobFailed(Job()))
    assert (failed.message, failed.code) == ("The model is down.", "llm_unavailable")
    assert "stack running" in Problem.from_error(GatewayUnreachable("connection refused")).message
