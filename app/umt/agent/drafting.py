"""The `draft` task: N variants for a brand, campaign and channel, each scored before it is returned.

The LLM provider is the default when one is configured; templates are used instead only when the
caller asked for them, or allowed them as a fallback (and then every template draft says so)."""

from __future__ import annotations

from dataclasses import dataclass

from umt.agent.providers.base import Brand, Campaign, DraftSpec, ProviderError, TextProvider
from umt.agent.settings import AgentSettings
from umt.agent.errors import InputError, TaskFailed
from umt.contract import tasks as contract
from umt.contract.channels import CHANNELS, resolve_channel


@dataclass(frozen=True)
class DraftTask:
    spec: DraftSpec
    variants: int
    provider: str | None  # None: the LLM when configured, else templates
    allow_template_fallback: bool


def _campaign(brief: contract.CampaignBrief) -> Campaign:
    return Campaign(name=brief.name, goal=brief.goal, channels=list(brief.channels),
                    start=brief.start.isoformat() if brief.start else None,
                    end=brief.end.isoformat() if brief.end else None, budget=brief.budget)


def parse_draft(task: contract.DraftInput) -> DraftTask:
    """The gateway fills `brand` and `channel` in from brand_id and content_id; here they must be there."""
    if task.brand is None:
        raise InputError("brand", "is required")
    if task.channel is None:
        raise InputError("channel", "is required")
    from umt.agent.scoring import brand_keyphrase

    brand = task.brand
    spec = DraftSpec(
        brand=Brand(name=brand.name, voice=brand.voice, audience=brand.audience, banned_words=list(brand.banned_words),
                    hashtags=list(brand.hashtags), sample_posts=list(brand.sample_posts)),
        campaign=_campaign(task.campaign) if task.campaign else None,
        rule=CHANNELS[resolve_channel(task.channel)],
        brief=task.brief, offer=task.offer, call_to_action=task.call_to_action,
        keyphrase=task.keyphrase or brand_keyphrase(task.brief, list(brand.keyphrases)),
    )
    return DraftTask(spec=spec, variants=task.variants, provider=task.provider,
                     allow_template_fallback=task.allow_template_fallback)


def llm_provider(settings: AgentSettings) -> TextProvider | None:
    if not settings.llm_configured:
        return None
    from umt.agent.providers.openai_compatible import OpenAICompatibleProvider

    return OpenAICompatibleProvider(settings.llm_base_url, settings.llm_model, settings.llm_api_key,
                                    timeout=settings.llm_timeout, retries=settings.llm_retries,
                                    backoff=settings.llm_backoff)


def run_draft(task: DraftTask, progress, settings: AgentSettings) -> dict:
    from umt.agent.providers.templates import TemplateProvider
    from umt.agent.scoring import ScoreInput, score_text

    templates = TemplateProvider()
    wanted = task.provider or ("llm" if settings.llm_configured else "template")
    provider: TextProvider = templates
    fallback_reason = None
    if wanted == "llm":
        llm = llm_provider(settings)
        if llm is not None:
            provider = llm
        elif task.allow_template_fallback:
            fallback_reason = "No LLM endpoint is configured (set its base URL and model in the app's settings)."
        else:
            raise InputError("provider", "asks for the LLM, but no LLM endpoint is configured: set its base URL "
                             "and model in the app's settings, or ask for templates", "llm_not_configured", 409)

    spec = task.spec
    variants = []
    for index in range(task.variants):
        progress(index / task.variants, f"writing variant {index + 1} of {task.variants}")
        try:
            text = provider.write(spec, index, task.variants)
            used = provider
        except ProviderError as error:
            if not task.allow_template_fallback:
                raise TaskFailed(str(error), "llm_unavailable") from None
            fallback_reason = f"{error} Template drafts were used instead."
            provider = used = templates
            text = templates.write(spec, index, task.variants)
        scored = score_text(ScoreInput(text=text, channel=spec.rule.key, keyphrase=spec.keyphrase,
                                       banned_words=spec.brand.banned_words, brand_hashtags=spec.brand.hashtags))
        variants.append({"text": text, "provider": used.name, "label": used.label,
                         "score": {key: scored[key] for key in ("score", "rating", "publishable", "reasons")}})
    progress(1.0, "done")
    providers_used = {variant["provider"] for variant in variants}
    return {
        "channel": spec.rule.key,
        "rules": spec.rule.summary(),
        "provider": providers_used.pop() if len(providers_used) == 1 else "mixed",
        "model": settings.llm_model if any(v["provider"] == "llm" for v in variants) else None,
        "fallback": {"used": True, "reason": fallback_reason} if fallback_reason else {"used": False, "reason": None},
        "variants": variants,
    }
