"""The task kinds the agent runs: what each takes, and where its code lives.

A kind's module is imported on its first use, so an idle agent carries only the web stack."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from umt.agent.channels import CHANNEL_KEYS


@dataclass(frozen=True)
class TaskKind:
    name: str
    summary: str
    module: str
    parse: str
    run: str
    fields: dict[str, str]
    reports_progress: bool = False
    needs_settings: bool = False

    def load(self):
        """(parse, run) functions: parse(Fields) -> task; run(task, progress[, settings]) -> dict."""
        module = importlib.import_module(self.module)
        return getattr(module, self.parse), getattr(module, self.run)

    def describe(self) -> dict:
        return {"kind": self.name, "summary": self.summary, "fields": self.fields,
                "reports_progress": self.reports_progress}


_BRAND = ("object {name (required), voice, audience, banned_words: [string], hashtags: [string], "
          "sample_posts: [string]}")
_CHANNELS = "one of " + ", ".join(CHANNEL_KEYS) + " (or an alias: twitter, email, newsletter, ...)"

TASKS: dict[str, TaskKind] = {kind.name: kind for kind in (
    TaskKind("draft", "Write 1-10 variants of a post for a channel, each scored.", "umt.agent.drafting",
             "parse_draft", "run_draft", {
                 "brand": _BRAND + ", required",
                 "campaign": "object {name (required), goal, channels, start, end, budget} or null",
                 "channel": _CHANNELS + ", required",
                 "brief": "string, required: what the post is about",
                 "offer": "string, optional", "call_to_action": "string, optional",
                 "keyphrase": "string, optional",
                 "variants": "integer 1-10, default 1",
                 "provider": "\"llm\" or \"template\"; default: llm when configured, else template",
                 "allow_template_fallback": "boolean, default false: use templates if the LLM fails",
             }, reports_progress=True, needs_settings=True),
    TaskKind("score", "Pre-publish score (0-100) with reasons a person can act on.", "umt.agent.scoring",
             "parse_score", "run_score", {
                 "text": "string, required", "channel": _CHANNELS + ", required",
                 "keyphrase": "string, optional",
                 "brand": "object {banned_words: [string], hashtags: [string]}, optional",
             }),
    TaskKind("experiment", "A/B(/n) test: z-tests vs the first variant, Wilson intervals, P(best).",
             "umt.agent.experiment", "parse_experiment", "run_experiment", {
                 "variants": "list of 2-20 {name, exposures, conversions}, required; the first is the control",
                 "alpha": "number in (0, 0.5), default 0.05",
                 "min_samples": "integer, default 100: exposures each variant needs before a verdict",
                 "draws": "integer 1000-200000, default 20000: Monte-Carlo draws",
                 "seed": "integer, optional: makes the Monte-Carlo result reproducible",
             }, reports_progress=True),
    TaskKind("sample_size", "Visitors per variant needed to detect an effect.", "umt.agent.experiment",
             "parse_sample_size", "run_sample_size", {
                 "baseline_rate": "number in (0, 1), required",
                 "minimum_detectable_effect": "number > 0, required",
                 "relative": "boolean, default false: the effect is a fraction of the baseline, not points",
                 "power": "number in [0.5, 1), default 0.8", "alpha": "number in (0, 0.5), default 0.05",
                 "two_sided": "boolean, default true", "variants": "integer 2-20, default 2",
                 "daily_exposures": "integer, optional: to estimate the days needed",
             }),
    TaskKind("best_time", "Best weekday and hour to post, from the account's own metrics.", "umt.agent.best_time",
             "parse_best_time", "run_best_time", {
                 "timezone": "IANA name, required (e.g. Europe/Berlin)",
                 "metrics": "list of {at: ISO-8601 UTC, impressions, engagements}, required",
                 "min_impressions": "integer, default 1000", "top": "integer 1-168, default 5",
             }),
    TaskKind("utm", "Tag a link with UTM parameters.", "umt.agent.utm", "parse_utm", "run_utm", {
        "url": "http(s) URL, required", "source": "string, required", "medium": "string, required",
        "campaign": "string, required", "term": "string, optional", "content": "string, optional",
    }),
    TaskKind("plan_calendar", "Spread a campaign's posts over its dates, near the best times.",
             "umt.agent.planner", "parse_calendar", "run_calendar", {
                 "start": "ISO date or date-time, required", "end": "ISO date or date-time, required",
                 "posts": "integer 1-500, required", "channels": "list of strings, required",
                 "timezone": "IANA name, required",
                 "best_times": "list of {weekday: 0 (Monday)-6, hour: 0-23}, optional",
                 "existing": "list of ISO date-times already taken, optional",
                 "min_gap_hours": "number 0-168, default 4",
             }, reports_progress=True),
)}
