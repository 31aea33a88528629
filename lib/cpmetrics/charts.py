"""Charts in the UK Government Analysis Function style (afcharts), each with its alt text.

Every function takes what an analysis module returns and gives back
`(figure, alt_text)`: the title states the finding, axes are labelled, the
colours are the Analysis Function categorical palette (accessible, in its
order), and the alt text says in words what the chart shows, numbers included.
Figures are made without pyplot, so they work whatever `MPLBACKEND` says and
never display twice; show them with `artefacts.show_chart`.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

#: Analysis Function categorical palette, in the order to use it
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, PLUM = PALETTE
GRID = "#D9D9D9"
FONT = 10


def _figure(width: float = 8, height: float = 4.2) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(DARK_GREY)
    ax.spines["bottom"].set_color(DARK_GREY)
    ax.tick_params(colors=DARK_GREY, labelsize=FONT)
    ax.set_axisbelow(True)
    return fig, ax


def _title(ax, title: str, subtitle: str | None = None) -> None:
    ax.set_title(title, loc="left", fontsize=FONT + 3, fontweight="bold", color="black",
                 pad=22 if subtitle else 8, wrap=True)
    if subtitle:
        ax.text(0, 1.02, subtitle, transform=ax.transAxes, fontsize=FONT, color=DARK_GREY,
                va="bottom")


def _pct_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))


def _p(v: float | None) -> str:
    return "not available" if v is None or pd.isna(v) else f"{v:.1f}%"


def _legend(ax, ncols: int = 3, **_: object) -> None:
    """The legend below the plot, where it never covers the data (one per figure)."""
    fig = ax.figure
    for old in list(fig.legends):
        old.remove()
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, frameon=False, fontsize=FONT - 1, loc="outside lower left",
               ncols=ncols)


def cohort_chart(trend: pd.DataFrame) -> tuple[Figure, str]:
    """Children on a plan each month end, the reference band, last year, months outside it."""
    t = trend.dropna(subset=["on_plan"])
    fig, ax = _figure()
    x = t.index
    ax.fill_between(x, t["lower"], t["upper"], color=TURQUOISE, alpha=0.18, lw=0,
                    label=f"Reference band {trend.attrs.get('band', '')}")
    ly = t["same_month_last_year"].astype("float64")
    if ly.notna().any():
        ax.plot(x, ly, color=DARK_GREY, lw=1.5, ls="--", label="Same month last year")
    ax.plot(x, t["on_plan"].astype("float64"), color=DARK_BLUE, lw=2.5, marker="o", ms=4,
            label="Children on a plan")
    out = t[t["outside"].fillna(False).astype(bool)]
    ax.scatter(out.index, out["on_plan"].astype("float64"), s=60, color=ORANGE, zorder=3,
               label="Outside the band")
    ax.yaxis.grid(True, color=GRID)
    ax.set_ylabel("Children on a plan at month end", fontsize=FONT)
    ax.set_xlabel("Month end", fontsize=FONT)
    lo = min(t["on_plan"].min(), t["lower"].min(), ly.min() if ly.notna().any() else 1e9)
    ax.set_ylim(bottom=max(0, float(lo) * 0.9))
    _legend(ax, loc="upper left", ncols=2)
    n_out, n = len(out), len(t)
    last = t.index[-1]
    if n_out:
        title = f"Children on a plan were outside the reference band in {n_out} of {n} months"
    else:
        title = f"Children on a plan stayed within the reference band in all {n} months"
    _title(ax, title, f"Month ends {t.index[0]:%B %Y} to {last:%B %Y}")
    alt = (f"Line chart of children on a child protection plan at each month end from "
           f"{t.index[0]:%B %Y} to {last:%B %Y}, against a shaded reference band "
           f"{trend.attrs.get('band', '')}. The latest figure is {int(t['on_plan'].iloc[-1])}; "
           f"{n_out} of {n} months were outside the band"
           + (": " + ", ".join(f"{m:%b %Y} ({int(v)})" for m, v in out["on_plan"].items())
              if n_out else "") + ".")
    return fig, alt


def starts_ends_chart(trend: pd.DataFrame) -> tuple[Figure, str]:
    """Plans started and ended in each month."""
    t = trend.dropna(subset=["starts"])
    fig, ax = _figure()
    import numpy as np

    pos = np.arange(len(t))
    ax.bar(pos - 0.2, t["starts"].astype("float64"), 0.4, color=DARK_BLUE, label="Plans started")
    ax.bar(pos + 0.2, t["ended"].astype("float64"), 0.4, color=TURQUOISE, label="Plans ended")
    ax.set_xticks(pos[::3], [f"{m:%b %y}" for m in t.index[::3]])
    ax.yaxis.grid(True, color=GRID)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Plans in the month", fontsize=FONT)
    ax.set_xlabel("Month", fontsize=FONT)
    _legend(ax, loc="upper left", ncols=2)
    last12 = t.iloc[-12:]
    s, e = int(last12["starts"].sum()), int(last12["ended"].sum())
    word = "more" if s > e else "fewer" if s < e else "as many"
    title = (f"{s} plans started and {e} ended in the last 12 months: "
             f"{word} starts than ends" if word != "as many" else
             f"As many plans started as ended in the last 12 months ({s})")
    _title(ax, title)
    alt = (f"Bar chart of plans started and ended in each month from {t.index[0]:%B %Y} to "
           f"{t.index[-1]:%B %Y}. In the last 12 months {s} plans started and {e} ended.")
    return fig, alt


def rate_chart(rates: pd.DataFrame) -> tuple[Figure, str]:
    """Children on a plan per 10,000: the council beside neighbours and England."""
    r = rates.dropna(subset=["rate_per_10k"])
    fig, ax = _figure(8, 2.8)
    colours = [DARK_BLUE, TURQUOISE, DARK_GREY][: len(r)]
    ax.barh(list(r["area"])[::-1], list(r["rate_per_10k"])[::-1], color=colours[::-1])
    for y, v in enumerate(list(r["rate_per_10k"])[::-1]):
        ax.text(v, y, f" {v:.1f}", va="center", fontsize=FONT)
    ax.xaxis.grid(True, color=GRID)
    ax.set_xlabel("Children on a plan per 10,000 children aged 0-17", fontsize=FONT)
    own = rates["rate_per_10k"].iloc[0]
    eng = rates["rate_per_10k"].iloc[-1]
    if pd.isna(own) or pd.isna(eng):
        title = "Rate of children on a plan per 10,000 children"
    else:
        title = (f"The council's rate ({own:.1f} per 10,000) is "
                 f"{'above' if own > eng else 'below' if own < eng else 'the same as'} "
                 f"England's ({eng:.1f})")
    _title(ax, title)
    alt = "Bar chart of children on a plan per 10,000 children: " + "; ".join(
        f"{a}: {v:.1f}" for a, v in zip(r["area"], r["rate_per_10k"], strict=True)) + "."
    return fig, alt


def change_title(rows: pd.DataFrame, what: str) -> str:
    """ "What: 25.7%, down from 27.2%", from the first two rows' `pct` (now, then)."""
    p = rows["pct"].dropna().tolist()
    if not p:
        return f"{what}: no figures"
    if len(p) == 1:
        return f"{what}: {p[0]:.1f}%"
    word = "up" if round(p[0], 1) > round(p[1], 1) else "down" \
        if round(p[0], 1) < round(p[1], 1) else "unchanged"
    return f"{what}: {p[0]:.1f}%, {word} from {p[1]:.1f}%"


def proportions_chart(rows: pd.DataFrame, label: str, *, what: str = "", title: str | None = None,
                      xlabel: str = "Per cent", england: float | None = None,
                      neighbours: float | None = None) -> tuple[Figure, str]:
    """Proportions with their 95% Wilson intervals (dots and whiskers), optional reference lines.

    `rows` is a `comparison.proportion_rows` table; `label` its label column.
    Without a `title`, the title states the change from the second row to the first.
    """
    title = title or change_title(rows, what)
    r = rows.dropna(subset=["pct"]).iloc[::-1]
    fig, ax = _figure(8, 1.2 + 0.6 * max(len(r), 2))
    y = range(len(r))
    ax.errorbar(r["pct"], list(y), xerr=[r["pct"] - r["ci_low"], r["ci_high"] - r["pct"]],
                fmt="o", color=DARK_BLUE, ecolor=DARK_BLUE, ms=8, capsize=4,
                label="This council, with 95% interval")
    ax.set_yticks(list(y), list(r[label]))
    for yy, v in zip(y, r["pct"], strict=True):
        ax.text(v, yy + 0.18, f"{v:.1f}%", ha="center", fontsize=FONT - 1, color=DARK_BLUE)
    if england is not None and not pd.isna(england):
        ax.axvline(england, color=ORANGE, lw=2, ls="--", label=f"England {england:.1f}%")
    if neighbours is not None and not pd.isna(neighbours):
        ax.axvline(neighbours, color=DARK_PINK, lw=2, ls=":",
                   label=f"Statistical neighbours {neighbours:.1f}%")
    ax.xaxis.grid(True, color=GRID)
    _pct_axis(ax.xaxis)
    ax.set_xlim(left=0)
    ax.set_ylim(-0.6, len(r) - 0.4)
    ax.set_xlabel(xlabel, fontsize=FONT)
    _legend(ax, loc="lower right")
    _title(ax, title)
    alt = (f"Dot chart with 95% intervals. {title}. " + "; ".join(
        f"{lab}: {p:.1f}% ({int(n)} of {int(o)}, interval {lo:.1f}% to {hi:.1f}%)"
        for lab, p, n, o, lo, hi in zip(r[label], r["pct"], r["n"], r["of"], r["ci_low"],
                                        r["ci_high"], strict=True))
           + (f". England {england:.1f}%" if england is not None and not pd.isna(england) else "")
           + (f"; statistical neighbours {neighbours:.1f}%"
              if neighbours is not None and not pd.isna(neighbours) else "") + ".")
    return fig, alt


def _bench(benchmark: pd.DataFrame | None) -> tuple[float | None, float | None]:
    """(England, neighbours) from a `replans.replan_benchmark` table."""
    if benchmark is None:
        return None, None
    return benchmark["pct"].iloc[2], benchmark["pct"].iloc[1]


def benchmark_chart(benchmark: pd.DataFrame, what: str) -> tuple[Figure, str]:
    """The council's proportion with its interval against the published neighbours and England
    (a `replans.replan_benchmark` table)."""
    england, neighbours = _bench(benchmark)
    own = benchmark.iloc[:1]
    p = own["pct"].iloc[0]
    title = f"{what}: {_p(p)}" + (
        f", against England's {england:.1f}%" if england is not None and not pd.isna(england)
        else "")
    return proportions_chart(own, "area", title=title, england=england, neighbours=neighbours)


def replan_quarter_chart(quarters: pd.DataFrame, benchmark: pd.DataFrame | None = None
                         ) -> tuple[Figure, str]:
    """Share of plans started in each financial quarter that were second or subsequent."""
    england, neighbours = _bench(benchmark)
    fig, ax = _figure()
    years = list(dict.fromkeys(quarters["year"]))
    colours = {y: c for y, c in zip(years, (TURQUOISE, DARK_BLUE), strict=False)}
    ax.bar(quarters["quarter"], quarters["pct"].fillna(0),
           color=[colours[y] for y in quarters["year"]])
    for i, (p, n, o) in enumerate(zip(quarters["pct"], quarters["n"], quarters["of"],
                                      strict=True)):
        if o:
            ax.text(i, p, f"{p:.0f}%\n{n} of {o}", ha="center", va="bottom", fontsize=FONT - 1)
    if england is not None and not pd.isna(england):
        ax.axhline(england, color=ORANGE, lw=2, ls="--", label=f"England {england:.1f}%")
    if neighbours is not None and not pd.isna(neighbours):
        ax.axhline(neighbours, color=DARK_PINK, lw=2, ls=":",
                   label=f"Statistical neighbours {neighbours:.1f}%")
    ax.yaxis.grid(True, color=GRID)
    _pct_axis(ax.yaxis)
    ax.set_ylim(0, max(50, float(quarters["pct"].max() or 0) * 1.3))
    ax.set_ylabel("Plans started that were second or subsequent", fontsize=FONT)
    ax.set_xlabel("Financial quarter", fontsize=FONT)
    ax.tick_params(axis="x", labelsize=FONT - 1)
    if england is not None or neighbours is not None:
        _legend(ax, loc="upper left")
    latest = quarters.iloc[-1]
    high = quarters.loc[quarters["pct"].idxmax()] if quarters["pct"].notna().any() else latest
    _title(ax, f"Re-plans peaked at {high['pct']:.0f}% of starts in {high['quarter']}; "
               f"latest quarter {_p(latest['pct'])}")
    alt = ("Bar chart of the share of plans started in each financial quarter that were second "
           "or subsequent: " + "; ".join(
               f"{q}: {_p(p)} ({n} of {o})" for q, p, n, o in
               zip(quarters["quarter"], quarters["pct"], quarters["n"], quarters["of"],
                   strict=True)) + (f". England {england:.1f}%." if england else "."))
    return fig, alt


def rolling_chart(rolling: pd.DataFrame, benchmark: pd.DataFrame | None = None
                  ) -> tuple[Figure, str]:
    """Rolling 12-month share of starts that were second or subsequent, with its interval."""
    england, _ = _bench(benchmark)
    fig, ax = _figure()
    ax.fill_between(rolling.index, rolling["ci_low"], rolling["ci_high"], color=DARK_BLUE,
                    alpha=0.15, lw=0, label="95% interval")
    ax.plot(rolling.index, rolling["pct"], color=DARK_BLUE, lw=2.5,
            label="Rolling 12 months, this council")
    if england is not None and not pd.isna(england):
        ax.axhline(england, color=ORANGE, lw=2, ls="--", label=f"England {england:.1f}%")
    ax.yaxis.grid(True, color=GRID)
    _pct_axis(ax.yaxis)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Plans started in 12 months that were re-plans", fontsize=FONT)
    ax.set_xlabel("12 months ending", fontsize=FONT)
    _legend(ax, loc="lower left")
    first, last = rolling["pct"].iloc[0], rolling["pct"].iloc[-1]
    trend = "rose" if last > first + 0.05 else "fell" if last < first - 0.05 else "held"
    _title(ax, f"The rolling 12-month re-plan share {trend} from {first:.1f}% to {last:.1f}%")
    alt = (f"Line chart of the share of plans started in the previous 12 months that were second "
           f"or subsequent, from {rolling.index[0]:%B %Y} ({first:.1f}%) to "
           f"{rolling.index[-1]:%B %Y} ({last:.1f}%), with a shaded 95% interval"
           + (f"; England's published figure is {england:.1f}%." if england else "."))
    return fig, alt


def funnel_chart(funnel: pd.DataFrame, what: str = "Plans started that were re-plans"
                 ) -> tuple[Figure, str]:
    """Every council's published proportion against its size, with 95% and 99.8% funnel limits."""
    f = funnel.dropna(subset=["pct"])
    mine = f[f["la"] == "this council"]
    others = f[f["la"] != "this council"]
    fig, ax = _figure(8, 4.8)
    ax.scatter(others["of"], others["pct"], s=14, color=DARK_GREY, alpha=0.5,
               label=f"Councils, {funnel.attrs.get('year', '')} (published)")
    line = f.sort_values("of")
    ax.plot(line["of"], line["upper_95"], color=TURQUOISE, lw=1.5, label="95% limits")
    ax.plot(line["of"], line["lower_95"], color=TURQUOISE, lw=1.5)
    ax.plot(line["of"], line["upper_99_8"], color=DARK_PINK, lw=1.5, ls="--",
            label="99.8% limits")
    ax.plot(line["of"], line["lower_99_8"], color=DARK_PINK, lw=1.5, ls="--")
    target = float(f["target_pct"].iloc[0])
    ax.axhline(target, color=ORANGE, lw=1.5, label=f"England {target:.1f}%")
    ax.scatter(mine["of"], mine["pct"], s=90, color=DARK_BLUE, zorder=4,
               label="This council, this year to date")
    ax.yaxis.grid(True, color=GRID)
    _pct_axis(ax.yaxis)
    ax.set_xlabel("Plans started (denominator)", fontsize=FONT)
    ax.set_ylabel(what, fontsize=FONT)
    _legend(ax)
    pos = mine["position"].iloc[0] if len(mine) else None
    _title(ax, f"This council is {pos} of England's figure" if isinstance(pos, str)
           else "Councils against England's figure")
    alt = (f"Funnel plot of {len(others)} councils' published share ({what.lower()}) against "
           f"the number of plans started, with 95% and 99.8% limits around England's "
           f"{target:.1f}%." + (f" This council: {mine['pct'].iloc[0]:.1f}% of "
                                f"{int(mine['of'].iloc[0])}, {pos}." if len(mine) else ""))
    return fig, alt


def bars_chart(table: pd.DataFrame, columns: dict[str, str], *, title: str, xlabel: str,
               pct: bool = True) -> tuple[Figure, str]:
    """Horizontal grouped bars, one group per row of `table` (its index), one bar per column.

    `columns` maps column name to legend label, in palette order.
    """
    import numpy as np

    t = table.iloc[::-1]
    k = len(columns)
    fig, ax = _figure(8, 1.4 + 0.32 * len(t) * k)
    pos = np.arange(len(t))
    h = 0.8 / k
    for i, (col, lab) in enumerate(columns.items()):
        vals = t[col].astype("float64")
        ax.barh(pos + (k - 1 - i - (k - 1) / 2) * h, vals.fillna(0), h, color=PALETTE[i],
                label=lab)
    ax.set_yticks(pos, [str(i) for i in t.index])
    ax.xaxis.grid(True, color=GRID)
    if pct:
        _pct_axis(ax.xaxis)
    ax.set_xlabel(xlabel, fontsize=FONT)
    _legend(ax, loc="lower right")
    _title(ax, title)
    fmt = (lambda v: _p(v)) if pct else (lambda v: "-" if pd.isna(v) else f"{v:g}")
    alt = (f"Bar chart. {title}. " + "; ".join(
        f"{idx}: " + ", ".join(f"{lab} {fmt(table.loc[idx, col])}" for col, lab in columns.items())
        for idx in table.index) + ".")
    return fig, alt


def headline_chart(headline: pd.DataFrame) -> tuple[Figure, str]:
    """Headline percentages with 95% intervals beside England's published figure."""
    h = headline[headline["unit"] == "%"].dropna(subset=["value"])
    rows = h.rename(columns={"value": "pct"})
    beyond = [m for m, v in zip(h["measure"], h["vs_england"], strict=True)
              if isinstance(v, str) and "beyond" in v]
    title = (f"{len(beyond)} of the headline measures differ from England beyond chance"
             if beyond else "No headline measure differs from England beyond chance")
    return england_dots_chart(rows, "measure", "england_value", title)


def england_dots_chart(rows: pd.DataFrame, label: str, england_col: str, title: str
                       ) -> tuple[Figure, str]:
    """Proportions with 95% intervals, each with England's published figure as a diamond."""
    fig, alt = proportions_chart(rows, label, title=title, xlabel="Per cent")
    ax = fig.axes[0]
    r = rows.dropna(subset=["pct"]).iloc[::-1].reset_index(drop=True)
    ys = [i for i, v in enumerate(r[england_col]) if not pd.isna(v)]
    if ys:
        ax.scatter(r.loc[ys, england_col], ys, marker="D", s=50, color=ORANGE, zorder=4,
                   label="England (published)")
        _legend(ax)
    alt += (" England's published figures: " + "; ".join(
        f"{m}: {v:.1f}%" for m, v in zip(r[label], r[england_col], strict=True)
        if not pd.isna(v)) + ".")
    return fig, alt


def long_plans_benchmark_chart(bench: pd.DataFrame) -> tuple[Figure, str]:
    """Two-years-or-more shares (a `long_plans.long_plan_benchmark` table) against England."""
    ratios = [p / e for p, e in zip(bench["pct"], bench["england_pct"], strict=True)
              if e and not pd.isna(e) and not pd.isna(p)]
    title = (f"Long plans run at up to {max(ratios):.1f} times England's share"
             if ratios else "Plans lasting two years or more")
    return england_dots_chart(bench, "measure", "england_pct", title)


def category_chart(categories: pd.DataFrame) -> tuple[Figure, str]:
    """Plans started by initial category, children on a plan by latest (category_profile)."""
    top = categories["starts_pct"].idxmax()
    title = f"{top} is the most common initial category ({_p(categories.loc[top, 'starts_pct'])}" \
        " of plans started)"
    return bars_chart(categories, {"starts_pct": "Plans started (initial category)",
                                   "on_plan_pct": "Children on a plan (latest category)"},
                      title=title, xlabel="Share")


def factor_chart(factors: pd.DataFrame) -> tuple[Figure, str]:
    """Factors at assessment against England and neighbours (drivers.factor_shares)."""
    t = factors.set_index("factor")
    cols = {"pct": "This council", "england_pct": "England",
            "neighbours_pct": "Statistical neighbours"}
    cols = {k: v for k, v in cols.items() if k in t}
    top = t.index[0] if len(t) else "no factor"
    title = f"{top} is the factor recorded most often ({_p(t['pct'].iloc[0] if len(t) else None)})"
    return bars_chart(t, cols, title=title, xlabel="Share of episodes with a factor recorded")


def dv_chart(dv: pd.DataFrame) -> tuple[Figure, str]:
    """Domestic violence/abuse counted each episode once and as DfE's column sum."""
    t = dv.set_index("measure")
    cols = {"pct": "This council", "england_pct": "England",
            "neighbours_pct": "Statistical neighbours"}
    cols = {k: v for k, v in cols.items() if k in t}
    once, summed = t["pct"].iloc[0], t["pct"].iloc[-1]
    title = (f"Domestic abuse: {_p(once)} of episodes counted once, {_p(summed)} as DfE's "
             f"columns add up")
    return bars_chart(t, cols, title=title, xlabel="Share of episodes with a factor recorded")


def cooccurring_chart(together: pd.DataFrame) -> tuple[Figure, str]:
    """Factors recorded alongside domestic violence/abuse (drivers.dv_cooccurring)."""
    top = together.index[0] if len(together) else "no factor"
    title = f"{top} is recorded most often alongside domestic abuse"
    return bars_chart(together, {"with_dv_pct": "Episodes with domestic abuse",
                                 "without_dv_pct": "Episodes without"},
                      title=title, xlabel="Share of episodes")


def returns_chart(returns: pd.DataFrame) -> tuple[Figure, str]:
    """Re-plans by time since the previous plan ended (replans.return_profile)."""
    t = returns.iloc[:-1]
    cols = {"replans": "Re-plans", "same_cin_episode": "Case stayed open (same CIN episode)",
            "cin_plan_between": "CIN plan in between"}
    known = t.drop(index=[i for i in t.index if "previous plan" in str(i)])
    top = known["replans"].idxmax() if len(known) and known["replans"].sum() else None
    title = (f"Most re-plans with an earlier plan in the data came {top} after it ended"
             if top else "Re-plans by time since the previous plan ended")
    return bars_chart(t, cols, title=title, xlabel="Re-plans started this year", pct=False)


def durations_chart(profile: pd.DataFrame) -> tuple[Figure, str]:
    """Children on a plan by duration band against England (long_plans.duration_profile)."""
    cols = {"on_plan_pct": "This council", "england_on_plan_pct": "England",
            "neighbours_on_plan_pct": "Statistical neighbours"}
    cols = {k: v for k, v in cols.items() if k in profile}
    last = profile.index[-1]
    own = profile.loc[last, "on_plan_pct"]
    eng = profile.loc[last, "england_on_plan_pct"] if "england_on_plan_pct" in profile else None
    title = f"{_p(own)} of children on a plan have been on it 2 years or more" + (
        f", England {_p(eng)}" if eng is not None and not pd.isna(eng) else "")
    return bars_chart(profile, cols, title=title, xlabel="Share of children on a plan")


def approaching_chart(approaching: pd.DataFrame) -> tuple[Figure, str]:
    """Children approaching two years on a plan (long_plans.approaching_two_years_summary)."""
    total = int(approaching["children"].iloc[-1])
    soon = int(approaching["children"].iloc[0])
    title = f"{total} children have been on a plan 18 months or more; {soon} reach 2 years " \
        "within a month"
    return bars_chart(approaching.iloc[:-1], {"children": "Children"}, title=title,
                      xlabel="Children", pct=False)
