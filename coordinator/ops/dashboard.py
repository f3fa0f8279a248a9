"""The Grafana dashboard of a zcc deployment, generated in code: ``python -m coordinator.ops.dashboard``.

Built with Grafana's own foundation SDK (typed builders generated from Grafana's schemas, kept by Grafana
Labs), so a panel that Grafana would not load does not type-check; grafanalib is community-kept and lags
behind the schema. The output, ``config/grafana/dashboards/zcc.json``, is committed and provisioned
(``config/grafana/provisioning``); tests/ops/test_dashboard.py checks that it is what this module makes and
that every query names only metrics and labels a running zcc serves. This module needs the SDK (a test
dependency), never the running service.

Panels wait for their metrics: audit spool depth (``zcc_audit_spool_depth``, served once the spool calls
``Metrics.watch_spool``) and feed outcomes (``zcc_feed_polls_total{provider_id, result}``, from
``Metrics.feed_outcomes``) get their panels here when create_app wires them, so the served-metrics test holds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

__all__ = ["DEFAULT_OUT", "build", "main", "render"]

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "config" / "grafana" / "dashboards" / "zcc.json"

_DS = DataSourceRef(type_val="prometheus", uid="${datasource}")
_PANEL_HEIGHT = 8


def _query(expr: str, legend: str = "", ref: str = "A") -> prometheus.Dataquery:
    q = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(_DS)
    return q.legend_format(legend) if legend else q


def _series(title: str, unit: str, *queries: tuple[str, str], description: str = "") -> timeseries.Panel:
    panel = timeseries.Panel().title(title).unit(unit).datasource(_DS).height(_PANEL_HEIGHT).span(8)
    if description:
        panel = panel.description(description)
    for i, (expr, legend) in enumerate(queries):
        panel = panel.with_target(_query(expr, legend, chr(ord("A") + i)))
    return panel


def _stat(title: str, unit: str, expr: str, description: str = "") -> stat.Panel:
    panel = stat.Panel().title(title).unit(unit).datasource(_DS).height(_PANEL_HEIGHT).span(8)
    panel = panel.with_target(_query(expr))
    return panel.description(description) if description else panel


def build() -> dashboard.Dashboard:
    """The dashboard: rows for the region's capacity, the triage flow, dispatch, the store and the instances."""
    d = (
        dashboard.Dashboard("zcc — ROAZ operations")
        .uid("zcc-ops")
        .tags(["zcc"])
        .description("Capacity, triage, dispatch, store and instances of one ROAZ region's zcc (docs/runbook.md).")
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("browser")
        .with_variable(dashboard.DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
    )
    d = (
        d.with_row(dashboard.Row("Region capacity"))
        .with_panel(
            _series(
                "Free places per care type",
                "short",
                ("max by (care_type) (zcc_capacity_free)", "{{care_type}}"),
                description="Fresh reports only: a stale entry is unknown, never free.",
            )
        )
        .with_panel(
            _series(
                "Time since the last report",
                "s",
                ("min by (kind, care_type) (zcc_capacity_last_report_age_seconds)", "{{kind}} {{care_type}}"),
            )
        )
        .with_panel(
            _series(
                "Stale entries per provider kind", "short", ("max by (kind) (zcc_capacity_stale_entries)", "{{kind}}")
            )
        )
        .with_panel(_stat("Providers under a stop", "short", "max(zcc_provider_stops_active)"))
        .with_panel(_stat("Active holds", "short", "max(zcc_holds_active)"))
        .with_panel(_stat("Capacity reports / min", "short", "sum(rate(zcc_capacity_updates_total[5m])) * 60"))
    )
    d = (
        d.with_row(dashboard.Row("Triage flow"))
        .with_panel(
            _series(
                "Requests per hour by urgency",
                "short",
                ("sum by (urgency) (increase(zcc_requests_created_total[1h]))", "{{urgency}}"),
            )
        )
        .with_panel(
            _series(
                "Outcomes per hour",
                "short",
                ("sum by (urgency, outcome) (increase(zcc_requests_closed_total[1h]))", "{{urgency}} {{outcome}}"),
            )
        )
        .with_panel(_stat("112 escalations (24 h)", "short", "sum(increase(zcc_escalations_112_total[24h]))"))
        .with_panel(
            _series(
                "Time from request to placement (p50, p90)",
                "s",
                (
                    "histogram_quantile(0.5, sum by (le, urgency) (rate(zcc_placement_seconds_bucket[1h])))",
                    "p50 {{urgency}}",
                ),
                (
                    "histogram_quantile(0.9, sum by (le, urgency) (rate(zcc_placement_seconds_bucket[1h])))",
                    "p90 {{urgency}}",
                ),
            )
        )
        .with_panel(_series("Holds per hour", "short", ("sum by (event) (increase(zcc_holds_total[1h]))", "{{event}}")))
        .with_panel(_series("Triage p99", "s", ("zcc:triage_latency_seconds:p99_5m", "p99")))
    )
    d = (
        d.with_row(dashboard.Row("Dispatch and API"))
        .with_panel(_series("Dispatch p99", "s", ("zcc:dispatch_latency_seconds:p99_5m", "p99")))
        .with_panel(
            _series(
                "Dispatch requests / s by status",
                "reqps",
                (
                    'sum by (status) (rate(zcc_http_request_duration_seconds_count{route="dispatch_options"}[5m]))',
                    "{{status}}",
                ),
            )
        )
        .with_panel(
            _series(
                "API availability",
                "percentunit",
                ("zcc:api_availability:ratio_rate5m", "5 min"),
                ("zcc:api_availability:ratio_rate1h", "1 h"),
            )
        )
        .with_panel(
            _series(
                "Webhook deliveries per hour",
                "short",
                ("sum by (result) (increase(zcc_webhook_deliveries_total[1h]))", "{{result}}"),
            )
        )
    )
    d = (
        d.with_row(dashboard.Row("Store"))
        .with_panel(_series("Store p99 by operation", "s", ("zcc:store_latency_seconds:p99_5m", "{{op}}")))
        .with_panel(
            _series(
                "Store calls / s by operation",
                "ops",
                ("sum by (op) (rate(zcc_store_operation_duration_seconds_count[5m]))", "{{op}}"),
            )
        )
        .with_panel(_series("Store errors / s", "ops", ("sum by (op) (rate(zcc_store_errors_total[5m]))", "{{op}}")))
        .with_panel(
            _series(
                "Capacity reports / s",
                "ops",
                ("sum by (result) (rate(zcc_capacity_updates_total[5m]))", "{{result}}"),
                ("sum by (reason) (rate(zcc_capacity_updates_rejected_total[5m]))", "rejected: {{reason}}"),
            )
        )
    )
    d = (
        d.with_row(dashboard.Row("Instances"))
        .with_panel(_series("Up", "short", ('up{job="zcc"}', "{{instance}}")))
        .with_panel(_series("View lag", "s", ("max by (instance) (zcc_view_lag_seconds)", "{{instance}}")))
        .with_panel(
            _series("Degraded (store unreachable)", "short", ("max by (instance) (zcc_view_degraded)", "{{instance}}"))
        )
        .with_panel(
            _series(
                "Events applied / s",
                "ops",
                ("sum by (instance) (rate(zcc_view_events_applied[5m]))", "{{instance}}"),
            )
        )
        .with_panel(
            _series(
                "HTTP requests / s",
                "reqps",
                ("sum by (instance) (rate(zcc_http_request_duration_seconds_count[5m]))", "{{instance}}"),
            )
        )
    )
    return d


def render() -> str:
    """The dashboard as the JSON text Grafana loads (stable: keys sorted, two-space indent)."""
    doc = json.loads(json.dumps(build().build(), cls=JSONEncoder))
    for number, panel in enumerate(doc["panels"], start=1):
        panel["id"] = number  # Grafana wants each panel's id unique within the dashboard
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the dashboard (or, with --check, exit 1 when the committed file differs)."""
    parser = argparse.ArgumentParser(prog="python -m coordinator.ops.dashboard", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        if not same:
            print(f"{args.out} is not what coordinator/ops/dashboard.py makes: regenerate it", file=sys.stderr)
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
