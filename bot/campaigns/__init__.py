""" "Read and understood" policy campaigns: the headteacher sends a policy version to staff, each
confirms in chat, the school keeps the record.

Platform-neutral (front ends only render and translate). The API front ends use is
:class:`bot.campaigns.service.CampaignService`; what it returns is in
:mod:`bot.campaigns.models`. Staff DMs travel through the reports outbox (exactly once, with
retries) as ordinary :class:`bot.reports.models.Notice` objects whose ``notice_type`` is in
:data:`bot.campaigns.models.CAMPAIGN_NOTICES`; see :mod:`bot.campaigns.notices` for their shape.
"""

from bot.campaigns.models import (
    CAMPAIGN_NOTICES,
    CampaignError,
    CampaignSummary,
    ClauseChange,
    MyCampaign,
    Progress,
    PublishReceipt,
    ReceiptRow,
)

__all__ = [
    "CAMPAIGN_NOTICES",
    "CampaignError",
    "CampaignSummary",
    "ClauseChange",
    "MyCampaign",
    "Progress",
    "PublishReceipt",
    "ReceiptRow",
]
