"""The scored-team shape fixed in shared/interfaces.md, spelled out once for every test."""

RESULT_KEYS = {
    "team_id",
    "team_name",
    "department",
    "month",
    "risk",
    "band",
    "flags",
    "rank",
    "lift",
    "review",
    "status",
    "drivers",
    "actions",
    "model_version",
}
DRIVER_KEYS = {"feature", "value", "previous", "contribution", "text"}
