"""Story Analytics: charts, dashboards and embeds, local or in your own AWS account."""

__version__ = "0.1.0"
