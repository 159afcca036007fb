"""The cloud services the wizard calls, by the short names used in settings and endpoint overrides."""

SERVICES = ("iam", "ims", "ecs", "cbr", "csbs", "vpc", "evs")
