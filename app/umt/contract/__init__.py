"""The typed contract shared by the gateway, the agent and the client: every API resource, each
job kind's input and result, and the one decoder that checks them (msgspec Structs; unknown
fields are refused everywhere). Qt-free and framework-free: stdlib and msgspec only.

    from umt.contract import BrandInput, decode_json, ContractError
    brand = decode_json(body, BrandInput)      # raises ContractError(field="hashtags[0]", message=...)

Records use attribute access named as the JSON fields (`brand.name`, `page.items`)."""

from umt.contract.auth import (Account, AuthStatus, CodeInput, DisableTotpInput, LoginInput, LoginResult,
                               PasswordChangeInput, RecoveryCodes, SecondFactorInput, Session, SetupInput,
                               TotpEnrolment)
from umt.contract.base import MAX_INT, ContractError, Input, Page, Record, convert, decode_json
from umt.contract.jobs import JOB_KINDS, JOB_STATUSES, TERMINAL_JOB_STATES, Job, JobError, JobPage, JobQuery
from umt.contract.resources import (STATUSES, About, ArchiveImport, Brand, BrandInput, BrandPage, BrandPatch, BrandQuery, CalendarQuery,
                                    Campaign, CampaignInput, CampaignPage, CampaignPatch, CampaignQuery, ContentInput,
                                    ContentItem, ContentPage, ContentPatch, ContentQuery, ContentVersion,
                                    ContentVersions, Experiment, ExperimentInput, ExperimentPage, ExperimentPatch,
                                    ExperimentQuery, Export, ExportQuery, ImportResult, ListQuery, Metric, MetricInput,
                                    MetricPage, MetricPatch, MetricQuery, TRANSITIONS, TransitionInput, Variant)

from umt.contract.publishing import (CHANNEL_KINDS, DELIVERY_STATUSES, ChannelAccount, ChannelAccountInput,
                                     ChannelAccountPage, ChannelAccountPatch, ChannelKindInfo, ChannelTest, Delivery,
                                     DeliveryPage, DeliveryQuery, PublishInput, Recipient, RecipientInput,
                                     RecipientPage, UnsubscribeQuery)
from umt.contract.results import DraftResult, ScoreResult
from umt.contract.tasks import TASK_KINDS, DraftInput, JobSubmission, ScoreInput, ScoreRequest

__all__ = [
    "CHANNEL_KINDS", "DELIVERY_STATUSES", "ChannelAccount", "ChannelAccountInput", "ChannelAccountPage",
    "ChannelAccountPatch", "ChannelKindInfo", "ChannelTest", "Delivery", "DeliveryPage", "DeliveryQuery",
    "PublishInput", "Recipient", "RecipientInput", "RecipientPage", "UnsubscribeQuery",
    "About", "Account", "DraftInput", "DraftResult", "JobSubmission", "ScoreInput", "ScoreRequest", "ScoreResult",
    "TASK_KINDS", "AuthStatus", "Brand", "BrandInput", "BrandPage", "BrandPatch", "BrandQuery", "CalendarQuery",
    "Campaign", "CampaignInput", "CampaignPage", "CampaignPatch", "CampaignQuery", "CodeInput", "ContentInput",
    "ContentItem", "ContentPage", "ContentPatch", "ContentQuery", "ContentVersion", "ContentVersions",
    "ContractError", "DisableTotpInput", "Experiment", "ExperimentInput", "ExperimentPage", "ExperimentPatch",
    "ArchiveImport", "ExperimentQuery", "Export", "ExportQuery", "ImportResult", "Input", "JOB_KINDS", "JOB_STATUSES", "Job", "JobError",
    "JobPage", "JobQuery", "ListQuery", "LoginInput", "LoginResult", "MAX_INT", "Metric", "MetricInput", "MetricPage",
    "MetricPatch", "MetricQuery", "Page", "PasswordChangeInput", "Record", "RecoveryCodes", "STATUSES",
    "SecondFactorInput", "Session", "SetupInput", "TERMINAL_JOB_STATES", "TRANSITIONS", "TotpEnrolment", "TransitionInput",
    "Variant", "convert", "decode_json",
]
