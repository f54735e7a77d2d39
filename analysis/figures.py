"""Plotly figures of the analysis frames (:mod:`analysis.frames`): one function each.

Every figure has its title and axis titles set explicitly; colours of group categories are the
same in every figure (:func:`category_colors`). Figures draw what the frames hold: pass
de-identified frames and the figures show keys, never participant ids.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from audit.findings import NO_PAYER
from models.common import format_time
from models.term import PRIORITIES

PALETTE: tuple[str, ...] = (*px.colors.qualitative.Safe, *px.colors.qualitative.Bold)
PRIORITY_COLORS = {"required": "#b2182b", "recommended": "#ef8a62", "optional": "#fddbc7"}
STATUS_COLORS = {"attended": "#1a9850", "absent": "#d73027", "excused": "#fc8d59"}
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def category_colors(categories: Iterable[str]) -> dict[str, str]:
    """A colour per category, by sorted name (the same category, the same colour)."""
    names = sorted({str(c) for c in categories})
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def _layout(fig: go.Figure, title: str, height: int | None = None) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template="plotly_white",
        font=FONT,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"tracegroupgap": 4},
    )
    if height is not None:
        fig.update_layout(height=height)
    return fig


def _hour_ticks(first: int, last: int) -> tuple[list[int], list[str]]:
    ticks = list(range(first - first % 60, last + 1, 60))
    return ticks, [format_time(t) for t in ticks]


def _day_order(frame: pd.DataFrame) -> list[str]:
    """The days a figure draws: every clinic day when ``day`` is the frames' categorical (a day
    with nothing on it keeps its row), else the days the rows name, in week order."""
    if isinstance(frame["day"].dtype, pd.CategoricalDtype):
        return [str(d) for d in frame["day"].cat.categories]
    return list(frame.sort_values("day_index")["day"].drop_duplicates())


def _note(fig: go.Figure, text: str) -> go.Figure:
    """A line of text in the middle of the figure: what an empty figure is empty of."""
    fig.add_annotation(
        text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 13}
    )
    return fig


def _meeting_hover() -> str:
    return (
        "<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
        "%{customdata[2]}-%{customdata[3]}, %{y}<br>"
        "staff: %{customdata[4]}<br>"
        "fill: %{customdata[5]} of %{customdata[6]} (%{customdata[7]:.0%})<extra></extra>"
    )


def _meeting_bars(
    rows: pd.DataFrame,
    lane: str,
    category: str,
    color: str,
    show_legend: bool,
    text: str = "section",
) -> go.Bar:
    return go.Bar(
        orientation="h",
        y=rows[lane],
        x=rows["end_minutes"] - rows["start_minutes"],
        base=rows["start_minutes"],
        name=category,
        legendgroup=category,
        showlegend=show_legend,
        marker={"color": color, "line": {"color": "white", "width": 1}},
        text=rows[text],
        textposition="inside",
        insidetextanchor="middle",
        textfont={"size": 11},
        customdata=rows[
            ["section", "name", "start", "end", "staff", "members", "max_size", "fill"]
        ].to_numpy(),
        hovertemplate=_meeting_hover(),
    )


def timetable(meetings: pd.DataFrame, title: str = "Weekly timetable") -> go.Figure:
    """Rooms (and vehicles, for outings) × days: one row of the figure per clinic day (a day
    without meetings too), each section a block on a time axis labelled with its id and coloured
    by category; hover shows the group, time, staff and fill. ``meetings``:
    :func:`analysis.frames.meetings`."""
    days = _day_order(meetings)
    rooms = sorted(p for p in meetings["place"].unique() if not p.endswith("(outing)"))
    outings = sorted(p for p in meetings["place"].unique() if p.endswith("(outing)"))
    places = rooms + outings
    colors = category_colors(meetings["category"])
    fig = make_subplots(
        rows=max(1, len(days)),
        cols=1,
        shared_xaxes=True,
        subplot_titles=days or [""],
        vertical_spacing=0.3 / max(1, len(days)),
    )
    shown: set[str] = set()
    for row, day in enumerate(days, start=1):
        today = meetings[meetings["day"] == day]
        for category in sorted(colors):
            rows = today[today["category"] == category]
            if rows.empty:
                continue
            fig.add_trace(
                _meeting_bars(rows, "place", category, colors[category], category not in shown),
                row=row,
                col=1,
            )
            shown.add(category)
    first = int(meetings["start_minutes"].min()) if len(meetings) else 9 * 60
    last = int(meetings["end_minutes"].max()) if len(meetings) else 17 * 60
    ticks, labels = _hour_ticks(first, last)
    fig.update_xaxes(
        range=[ticks[0] - 5, max(ticks[-1], last) + 5],
        tickvals=ticks,
        ticktext=labels,
        showticklabels=True,
        showgrid=True,
        gridcolor="#e5e5e5",
    )
    fig.update_xaxes(title_text="Time of day", row=max(1, len(days)), col=1)
    fig.update_yaxes(
        title_text="Room or vehicle" if outings else "Room",
        categoryorder="array",
        categoryarray=places,
        range=[len(places) - 0.5, -0.5],  # every room on every day, the first on top
        tickfont={"size": 11},
    )
    lane = 24
    height = 140 + max(1, len(days)) * (len(places) * lane + 70)
    _layout(fig, title, height)
    fig.update_layout(barmode="overlay", bargap=0.15, legend_title_text="Category")
    return _note(fig, "No section meets") if meetings.empty else fig


def participant_week(
    meetings: pd.DataFrame, rosters: pd.DataFrame, participant: str, title: str | None = None
) -> go.Figure:
    """One participant's week: their sections on a day × time chart, coloured by category and
    labelled with the group's name. ``participant``: the id, or the key of de-identified
    frames."""
    own = set(rosters.loc[rosters["participant"] == participant, "section"])
    rows = meetings[meetings["section"].isin(own)]
    days = _day_order(meetings)
    colors = category_colors(meetings["category"])
    fig = go.Figure()
    for category in sorted(colors):
        subset = rows[rows["category"] == category]
        if not subset.empty:
            fig.add_trace(_meeting_bars(subset, "day", category, colors[category], True, "name"))
    first = int(meetings["start_minutes"].min()) if len(meetings) else 9 * 60
    last = int(meetings["end_minutes"].max()) if len(meetings) else 17 * 60
    ticks, labels = _hour_ticks(first, last)
    fig.update_xaxes(
        title_text="Time of day",
        range=[ticks[0] - 5, max(ticks[-1], last) + 5],
        tickvals=ticks,
        ticktext=labels,
    )
    fig.update_yaxes(
        title_text="Day",
        categoryorder="array",
        categoryarray=days,
        range=[len(days) - 0.5, -0.5],
    )
    if rows.empty:
        _note(fig, f"{participant} is in no section")
    _layout(fig, title or f"Week of {participant}", 160 + 50 * max(1, len(days)))
    fig.update_layout(barmode="overlay", legend_title_text="Category")
    return fig


def staff_load(load: pd.DataFrame, title: str = "Staff load against limits") -> go.Figure:
    """Meetings led per staff member: the week stacked by day beside the weekly limit, and the
    busiest day beside the daily limit. ``load``: :func:`analysis.frames.staff_load`."""
    staff = list(dict.fromkeys(load["staff"]))
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["Meetings per week", "Busiest day"],
        horizontal_spacing=0.08,
    )
    day_colors = px.colors.sequential.Blues[3:]
    for i, day in enumerate(_day_order(load)):
        rows = load[load["day"] == day]
        fig.add_trace(
            go.Bar(
                x=rows["staff"],
                y=rows["sessions"],
                name=day,
                legendgroup="days",
                marker={"color": day_colors[i % len(day_colors)]},
                hovertemplate="%{x}, " + day + ": %{y} meeting(s)<extra></extra>",
            ),
            row=1,
            col=1,
        )
    week = load.drop_duplicates("staff")
    fig.add_trace(
        _limit_marks(week["staff"], week["max_per_week"], "Weekly limit", "#222", "a week"),
        row=1,
        col=1,
    )
    busiest = load.loc[load.groupby("staff", sort=False)["sessions"].idxmax()]
    fig.add_trace(
        go.Bar(
            x=busiest["staff"],
            y=busiest["sessions"],
            name="Busiest day",
            marker={"color": "#4393c3"},
            customdata=busiest[["day"]].to_numpy(),
            hovertemplate="%{x}: %{y} on %{customdata[0]}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        _limit_marks(busiest["staff"], busiest["max_per_day"], "Daily limit", "#b2182b", "a day"),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="Staff", categoryorder="array", categoryarray=staff)
    fig.update_yaxes(title_text="Meetings led", rangemode="tozero")
    _layout(fig, title, 460)
    fig.update_layout(barmode="stack")
    return _note(fig, "No staff in the term") if load.empty else fig


def _limit_marks(x: pd.Series, y: pd.Series, name: str, color: str, per: str) -> go.Scatter:
    """A limit per staff member drawn as a short horizontal bar over their column."""
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        name=name,
        marker={
            "symbol": "line-ew-open",
            "size": 28,
            "color": color,
            "line": {"width": 3, "color": color},
        },
        hovertemplate=f"%{{x}}: at most %{{y}} {per}<extra></extra>",
    )


def room_utilisation(use: pd.DataFrame, title: str = "Room and kitchen utilisation") -> go.Figure:
    """Share of each opening hour a room is in use: one heatmap per clinic day, rooms down the
    side (kitchens marked). ``use``: :func:`analysis.frames.room_use`."""
    days = _day_order(use)
    labels = {
        row.room: f"{row.room_name} (kitchen)" if row.kitchen else str(row.room_name)
        for row in use.drop_duplicates("room").itertuples()
    }
    order = list(labels)
    fig = make_subplots(
        rows=1,
        cols=max(1, len(days)),
        shared_yaxes=True,
        subplot_titles=days or [""],
        horizontal_spacing=0.01,
    )
    for col, day in enumerate(days, start=1):
        rows = use[use["day"] == day]
        grid = rows.pivot(index="room", columns="hour", values="share").reindex(order)
        minutes = rows.pivot(index="room", columns="hour", values="minutes_used").reindex(order)
        fig.add_trace(
            go.Heatmap(
                z=(grid * 100).round(0).to_numpy(),
                x=list(grid.columns),
                y=[labels[r] for r in grid.index],
                customdata=minutes.to_numpy(),
                coloraxis="coloraxis",
                name=day,
                xgap=1,
                ygap=1,
                hovertemplate="%{y}, "
                + day
                + " %{x}: %{customdata} min used (%{z:.0f}%)<extra></extra>",
            ),
            row=1,
            col=col,
        )
    fig.update_xaxes(title_text="Hour", tickangle=-90)
    fig.update_yaxes(title_text="Room", row=1, col=1)
    fig.update_yaxes(autorange="reversed")
    _layout(fig, title, 160 + 30 * len(order))
    fig.update_layout(
        coloraxis={
            "colorscale": "Blues",
            "cmin": 0,
            "cmax": 100,
            "colorbar": {"title": {"text": "% of hour"}},
        }
    )
    return _note(fig, "No rooms in the term") if use.empty else fig


def demand_capacity(demand: pd.DataFrame, title: str = "Demand and capacity") -> go.Figure:
    """Per group type: requests placed and waitlisted by priority (stacked), beside the seats
    of the running sections and of every allowed section. ``demand``:
    :func:`analysis.frames.demand`."""
    fig = go.Figure()
    names = demand["name"]
    fig.add_trace(
        go.Bar(
            x=names,
            y=demand["placed"],
            name="Placed",
            marker={"color": "#4393c3"},
            hovertemplate="%{x}: %{y} placed<extra></extra>",
        )
    )
    for prio in PRIORITIES:
        fig.add_trace(
            go.Bar(
                x=names,
                y=demand[f"waitlisted_{prio}"],
                name=f"Waitlisted: {prio}",
                marker={"color": PRIORITY_COLORS[prio]},
                hovertemplate="%{x}: %{y} " + prio + " waitlisted<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=demand["seats"],
            mode="markers",
            name="Seats in running sections",
            marker={
                "symbol": "line-ew-open",
                "size": 26,
                "color": "#222",
                "line": {"width": 3, "color": "#222"},
            },
            hovertemplate="%{x}: %{y} seats running<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=demand["max_seats"],
            mode="markers",
            name="Seats if every allowed section ran",
            marker={"symbol": "circle-open", "size": 9, "color": "#555"},
            hovertemplate="%{x}: %{y} seats at most<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Group type", tickangle=-35)
    fig.update_yaxes(title_text="Requests and seats", rangemode="tozero")
    _layout(fig, title, 520)
    fig.update_layout(barmode="stack")
    return _note(fig, "No group types in the term") if demand.empty else fig


def attendance_rates(
    attendance: pd.DataFrame,
    makeups: pd.DataFrame | None = None,
    title: str = "Attendance and makeups over the term",
) -> go.Figure:
    """Per week (Monday): shares of marked places attended, absent and excused, and of those
    missed places (absent or excused) that have a standing makeup booked. Places lost to a
    closed day are not marked places (:func:`analysis.frames.attendance` leaves closed days
    out), so their recovery makeups count in neither part of that share. ``attendance`` and
    ``makeups``: :func:`analysis.frames.attendance` and :func:`analysis.frames.makeups`."""
    marked = attendance[attendance["status"] != "unmarked"].copy()
    marked["week"] = _week(marked["date"])
    marked["outcome"] = marked["status"].map(
        lambda s: "attended" if s in ("present", "late", "left-early") else s
    )
    counts = marked.groupby(["week", "outcome"]).size().unstack(fill_value=0)
    totals = counts.sum(axis=1)
    fig = go.Figure()
    for outcome in ("attended", "absent", "excused"):
        share = counts.get(outcome, pd.Series(0, index=counts.index)) / totals
        fig.add_trace(
            go.Scatter(
                x=counts.index,
                y=share,
                mode="lines+markers",
                name=f"{outcome.capitalize()} (of marked places)",
                line={"color": STATUS_COLORS[outcome]},
                customdata=counts.get(outcome, pd.Series(0, index=counts.index)),
                hovertemplate="week of %{x|%b %d}: %{y:.1%} (%{customdata})<extra></extra>",
            )
        )
    if makeups is not None:
        missed = marked[marked["outcome"] != "attended"]
        standing = makeups[~makeups["cancelled"]]
        made_up = set(zip(standing["missed_session_id"], standing["participant"], strict=True))
        covered = [
            (sid, pid) in made_up
            for sid, pid in zip(missed["session_id"], missed["participant"], strict=True)
        ]
        weekly = missed.assign(covered=covered).groupby("week")["covered"].agg(["sum", "size"])
        fig.add_trace(
            go.Scatter(
                x=weekly.index,
                y=weekly["sum"] / weekly["size"],
                mode="lines+markers",
                name="Missed places with a makeup booked",
                line={"color": "#762a83", "dash": "dash"},
                customdata=weekly[["sum", "size"]].to_numpy(),
                hovertemplate="week of %{x|%b %d}: %{y:.1%} "
                "(%{customdata[0]} of %{customdata[1]})<extra></extra>",
            )
        )
    fig.update_xaxes(title_text="Week starting", dtick=7 * 24 * 3600 * 1000, tickformat="%b %d")
    fig.update_yaxes(title_text="Share", tickformat=".0%", range=[0, 1.02])
    _layout(fig, title, 440)
    return _note(fig, "No attendance marked yet") if marked.empty else fig


def _week(dates: pd.Series) -> pd.Series:
    days = pd.to_datetime(dates)
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.normalize()


def findings_by_code(
    findings: pd.DataFrame, title: str = "Audit findings by code and payer"
) -> go.Figure:
    """Findings per code, stacked by payer, the most frequent code on top; hover splits errors
    and warnings. ``findings``: :func:`analysis.frames.findings`."""
    frame = findings.assign(payer=findings["payer"].fillna(NO_PAYER))
    order = frame.groupby("code").size().sort_values(ascending=True).index.tolist()
    fig = go.Figure()
    for payer in sorted(frame["payer"].unique()):
        rows = frame[frame["payer"] == payer]
        counts = rows.groupby("code").size().reindex(order, fill_value=0)
        errors = (
            rows[rows["severity"] == "error"].groupby("code").size().reindex(order, fill_value=0)
        )
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=order,
                x=counts.to_numpy(),
                name=str(payer),
                customdata=list(zip(errors.to_numpy(), (counts - errors).to_numpy(), strict=True)),
                hovertemplate=f"{payer} · "
                + "%{y}: %{x} (%{customdata[0]} errors, %{customdata[1]} warnings)"
                + "<extra></extra>",
            )
        )
    fig.update_xaxes(title_text="Findings")
    fig.update_yaxes(title_text="Finding code", categoryorder="array", categoryarray=order)
    _layout(fig, title, 180 + 22 * max(1, len(order)))
    fig.update_layout(barmode="stack", legend_title_text="Payer")
    return _note(fig, "No findings: nothing to fix") if findings.empty else fig


def solver_progress(progress: pd.DataFrame, title: str = "Solver score and bound") -> go.Figure:
    """Best score and proven bound against time (score phase); a dotted line marks where the
    secondary aims started. The first bounds CP-SAT reports can be its raw objective domain,
    several times the score: the axis is scaled to the score and the bounds within twice its
    best, and a note says how high the early bounds went. ``progress``:
    :func:`analysis.frames.solver_progress`."""
    score = progress[progress["phase"] != "secondary"]
    fig = go.Figure()
    for column, color, name in (
        ("score", "#2166ac", "Best score"),
        ("bound", "#b2182b", "Proven bound"),
    ):
        rows = score[score[column].notna()]
        fig.add_trace(
            go.Scatter(
                x=rows["elapsed"],
                y=rows[column].astype(float),
                mode="lines+markers",
                line={"shape": "hv", "color": color},
                name=name,
                customdata=rows[["phase"]].to_numpy(),
                hovertemplate="%{x:.1f} s: %{y:,.0f} (%{customdata[0]})<extra></extra>",
            )
        )
    scores = score["score"].dropna().astype(float)
    bounds = score["bound"].dropna().astype(float)
    if len(scores):
        best = float(scores.max())
        in_scale = bounds[bounds <= 2 * best]
        low = float(scores.min())
        high = max(best, float(in_scale.max()) if len(in_scale) else best)
        pad = max(1.0, (high - low) * 0.05)
        fig.update_yaxes(range=[low - pad, high + pad])
        if len(in_scale) < len(bounds):
            fig.add_annotation(
                text=f"early bounds up to {bounds.max():,.0f} are above the axis",
                xref="paper",
                yref="paper",
                x=1.0,
                y=1.0,
                xanchor="right",
                yanchor="bottom",
                showarrow=False,
                font={"size": 11, "color": "#666"},
            )
    secondary = progress[progress["phase"] == "secondary"]
    if not secondary.empty:
        fig.add_vline(
            x=float(secondary["elapsed"].min()),
            line={"dash": "dot", "color": "#666"},
            annotation_text="secondary aims",
            annotation_position="top left",
        )
    fig.update_xaxes(title_text="Seconds since the solve started", rangemode="tozero")
    fig.update_yaxes(title_text="Weighted placed requests", tickformat=",d")
    _layout(fig, title, 420)
    return _note(fig, "No progress recorded") if score.empty else fig


def variants(frame: pd.DataFrame, title: str = "What-if variants") -> go.Figure:
    """Variants side by side: score (a dot) beside its proven bound, and the waitlist stacked by
    priority. ``frame``: :func:`analysis.frames.variants`."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["Score and proven bound", "Waitlisted requests by priority"],
        horizontal_spacing=0.1,
    )
    fig.add_trace(
        go.Scatter(
            x=frame["variant"],
            y=frame["score"],
            mode="markers+text",
            name="Score",
            marker={"color": "#2166ac", "size": 14},
            text=frame["score"],
            textposition="top center",
            hovertemplate="%{x}: score %{y}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=frame["variant"],
            y=frame["bound"].astype(float),
            mode="markers",
            name="Proven bound",
            marker={
                "symbol": "line-ew-open",
                "size": 30,
                "color": "#b2182b",
                "line": {"width": 3, "color": "#b2182b"},
            },
            hovertemplate="%{x}: bound %{y:.0f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for prio in PRIORITIES:
        fig.add_trace(
            go.Bar(
                x=frame["variant"],
                y=frame[f"waitlisted_{prio}"],
                name=f"Waitlisted: {prio}",
                marker={"color": PRIORITY_COLORS[prio]},
                hovertemplate="%{x}: %{y} " + prio + " waitlisted<extra></extra>",
            ),
            row=1,
            col=2,
        )
    fig.update_xaxes(title_text="Variant")
    fig.update_yaxes(title_text="Score (weighted placed requests)", tickformat=",d", row=1, col=1)
    fig.update_yaxes(title_text="Waitlisted requests", row=1, col=2)
    _layout(fig, title, 460)
    fig.update_layout(barmode="stack")
    return _note(fig, "No variants") if frame.empty else fig
