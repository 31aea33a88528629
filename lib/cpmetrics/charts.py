"""Charts in the UK Government Analysis Function style (afcharts), each with its alt text.

Every function takes what an analysis module returns and gives back
`(figure, alt_text)`: the title states the finding, axes are labelled, the
colours are the Analysis Function categorical palette (accessible, in its
order), and the alt text says in words what the chart shows, numbers included.
Figures are made without pyplot, so they work whatever `MPLBACKEND` says and
never display twice; show them with `artefacts.show_chart`.

Disclosure control: every function takes `threshold` (None, the default, for
interactive work: nothing hidden). In a pack it is the suppression threshold,
and the chart's table goes through `disclosure.suppress_table` first, so a
chart hides exactly what the table beside it hides: a count below the
threshold is drawn as a hatched bar (or hollow marker) reaching the threshold
and written `<5`; a percentage that would reveal such a count is not drawn
and is written `[c]` on the chart and "suppressed" in the alt text; titles and
alt text only use figures that are shown.

A function whose data may be missing from a source (the assessment factors)
passes a `unavailable.NotAvailable` through as `(it, its sentence)`, so the
notebook's next line shows the sentence in the chart's place.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from cpmetrics.unavailable import passes_through

#: Analysis Function categorical palette, in the order to use it
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, PLUM = PALETTE
GRID = "#D9D9D9"
FONT = 10
#: How a chart marks a percentage hidden by disclosure control (as tables do)
HIDDEN_MARK = "[c]"


class _Safe:
    """A chart's table after disclosure control: what may be drawn and how to say each figure.

    `threshold` None: nothing is hidden. Otherwise cells `suppress_table`
    replaces (`<5`, `[c]`) are hidden: `num` gives NaN for them, `say` the
    marker. Keyword arguments go to `suppress_table` (`labels=`...).
    """

    def __init__(self, df: pd.DataFrame, threshold: int | None, **columns: object) -> None:
        from cpmetrics.disclosure import suppress_table

        self.df, self.threshold = df, threshold
        if threshold is None:
            self._hidden = {c: np.zeros(len(df), dtype=bool) for c in df.columns}
            return
        safe = suppress_table(df, threshold, **columns)
        self._hidden = {
            c: np.array([isinstance(a, str) and not isinstance(b, str)
                         for a, b in zip(safe[c], df[c], strict=True)], dtype=bool)
            for c in df.columns
        }
        self._count = {c: any(isinstance(v, str) and v.startswith("<") for v in safe[c])
                       for c in df.columns}

    def hidden(self, col: str) -> np.ndarray:
        """Which rows of `col` (by position) are hidden."""
        return self._hidden[col]

    def any(self, col: str) -> bool:
        return bool(self._hidden[col].any())

    def num(self, col: str) -> pd.Series:
        """The column as floats, hidden cells NaN (index kept)."""
        v = pd.to_numeric(self.df[col], errors="coerce").astype("float64")
        return v.mask(pd.Series(self._hidden[col], index=v.index))

    def say(self, col: str, i: int, fmt=None, *, hidden: str | None = None) -> str:
        """Row `i`'s figure in words: `fmt(value)`, or `<5` / "suppressed" when hidden."""
        v = self.df[col].iloc[i]
        if self._hidden[col][i]:
            if self._count[col] and hidden is None:
                return f"<{self.threshold}"
            return hidden or "suppressed"
        if fmt is not None:
            return fmt(v)
        return "-" if pd.isna(v) else str(int(v)) if float(v).is_integer() else f"{v:g}"

    def count(self, value: object) -> str:
        """A single count (a total worked out from the table) as it may be shown."""
        if self.threshold is not None and isinstance(value, int | np.integer) \
                and 0 < value < self.threshold:
            return f"<{self.threshold}"
        return str(value)


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
    # y given: matplotlib then leaves the title where it is put rather than measuring the
    # y axis, at every layout pass and draw, to lift it over ticks these charts never have on
    # top (a fifth of the time a chart took to lay out)
    ax.set_title(title, loc="left", fontsize=FONT + 3, fontweight="bold", color="black",
                 pad=22 if subtitle else 8, wrap=True, y=1.0)
    if subtitle:
        ax.text(0, 1.02, subtitle, transform=ax.transAxes, fontsize=FONT, color=DARK_GREY,
                va="bottom")


def _wrap_label(label: object, width: int = 32) -> str:
    """A category label on lines of at most `width` characters, so a long one does not squeeze
    the plot into a corner of the chart."""
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _pct_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))


def _p(v: float | None) -> str:
    return "not available" if v is None or pd.isna(v) else f"{v:.1f}%"


def _small_bars(ax, pos, hidden: np.ndarray, width: float, colour: str, threshold: int | None,
                *, horizontal: bool = False) -> None:
    """Counts hidden by disclosure control: hatched outline bars reaching the threshold (`<5`)."""
    if threshold is None or not hidden.any():
        return
    at = np.asarray(pos)[hidden]
    style = {"facecolor": "none", "edgecolor": colour, "hatch": "////", "lw": 0.8}
    if horizontal:
        ax.barh(at, [threshold] * len(at), width, **style)
    else:
        ax.bar(at, [threshold] * len(at), width, **style)
    if not any(lab.startswith("Fewer than") for lab in ax.get_legend_handles_labels()[1]):
        ax.bar([0], [0], 0, facecolor="none", edgecolor=DARK_GREY, hatch="////",
               label=f"Fewer than {threshold} (hatched, not shown exactly)")


#: colour and dash of each named comparator council's line, in turn
COMPARATOR_LINES = ((PLUM, "-."), (DARK_GREY, (0, (6, 2, 1, 2, 1, 2))), (TURQUOISE, (0, (1, 1))))


def _published_lines(line, england: float | None, neighbours: float | None,
                     comparators: Mapping[str, float | None] | None = None) -> None:
    """England's and the neighbours' published figures as reference lines (axhline or axvline),
    and each named comparator council's ({name: value}, `comparison.comparator_lines`), labelled
    with its name; one with no published value is left off (the alt text says so)."""
    if england is not None and not pd.isna(england):
        line(england, color=ORANGE, lw=2, ls="--", label=f"England {england:.1f}%")
    if neighbours is not None and not pd.isna(neighbours):
        line(neighbours, color=DARK_PINK, lw=2, ls=":",
             label=f"Statistical neighbours {neighbours:.1f}%")
    for i, (name, value) in enumerate((comparators or {}).items()):
        if value is not None and not pd.isna(value):
            colour, dash = COMPARATOR_LINES[i % len(COMPARATOR_LINES)]
            line(value, color=colour, lw=1.5, ls=dash, label=f"{name} {value:.1f}%")


def _comparator_words(comparators: Mapping[str, float | None] | None) -> list[str]:
    """The comparators for alt text: ["Cheshire East 17.4%", "York not published"]."""
    return [f"{name} {_p(v) if v is not None and not pd.isna(v) else 'not published'}"
            for name, v in (comparators or {}).items()]


def _mark_hidden(ax, positions, *, horizontal: bool) -> None:
    """`[c]` where a percentage is not drawn because it would reveal a small count."""
    for p in positions:
        if horizontal:
            ax.text(0, p, f" {HIDDEN_MARK}", va="center", ha="left", fontsize=FONT - 1,
                    color=DARK_GREY)
        else:
            ax.text(p, 0, HIDDEN_MARK, va="bottom", ha="center", fontsize=FONT - 1,
                    color=DARK_GREY)


def _legend(ax, ncols: int = 3, **_: object) -> None:
    """The legend below the plot, where it never covers the data (one per figure)."""
    fig = ax.figure
    for old in list(fig.legends):
        old.remove()
    handles, labels = ax.get_legend_handles_labels()
    if labels and max(len(label) for label in labels) > 28:
        ncols = min(ncols, 2)  # long labels three abreast run off the figure's right edge
    fig.legend(handles, labels, frameon=False, fontsize=FONT - 1, loc="outside lower left",
               ncols=ncols)


def cohort_chart(trend: pd.DataFrame, threshold: int | None = None, practice_changes=None
                 ) -> tuple[Figure, str]:
    """Children on a plan each month end, the reference band, last year, months outside it, and
    each practice change (params `{date, label}`) as a labelled vertical line."""
    t = trend.dropna(subset=["on_plan"])
    safe = _Safe(t[["on_plan", "same_month_last_year"]], threshold)
    fig, ax = _figure()
    x = t.index
    ax.fill_between(x, t["lower"], t["upper"], color=TURQUOISE, alpha=0.18, lw=0,
                    label=f"Reference band {trend.attrs.get('band', '')}")
    ly = safe.num("same_month_last_year")
    if ly.notna().any():
        ax.plot(x, ly, color=DARK_GREY, lw=1.5, ls="--", label="Same month last year")
    now = safe.num("on_plan")
    ax.plot(x, now, color=DARK_BLUE, lw=2.5, marker="o", ms=4, label="Children on a plan")
    small = safe.hidden("on_plan") | safe.hidden("same_month_last_year")
    if small.any():  # only "fewer than 5" is known: hollow markers inside a hatched strip
        ax.axhspan(0, threshold, facecolor="none", edgecolor=GRID, hatch="////", lw=0,
                   label=f"Fewer than {threshold} (not shown exactly)")
        mid = [threshold / 2] * int(safe.hidden("on_plan").sum())
        ax.scatter(x[safe.hidden("on_plan")], mid, s=30, facecolors="none",
                   edgecolors=DARK_BLUE, zorder=3)
    outside = t["outside"].fillna(False).astype(bool).to_numpy()
    shown_out = outside & ~safe.hidden("on_plan")
    ax.scatter(x[shown_out], now[shown_out], s=60, color=ORANGE, zorder=3,
               label="Outside the band")
    drawn = _mark_changes(ax, practice_changes, t.index)
    ax.yaxis.grid(True, color=GRID)
    ax.set_ylabel("Children on a plan at month end", fontsize=FONT)
    ax.set_xlabel("Month end", fontsize=FONT)
    lo = min(now.min() if now.notna().any() else 1e9, t["lower"].min(),
             ly.min() if ly.notna().any() else 1e9)
    ax.set_ylim(bottom=0 if small.any() else max(0, float(lo) * 0.9))
    _legend(ax, loc="upper left", ncols=2)
    n_out, n = int(outside.sum()), len(t)
    last = t.index[-1]
    if n_out:
        title = f"Children on a plan were outside the reference band in {n_out} of {n} months"
    else:
        title = f"Children on a plan stayed within the reference band in all {n} months"
    _title(ax, title, f"Month ends {t.index[0]:%B %Y} to {last:%B %Y}")
    out_words = [f"{m:%b %Y} ({safe.say('on_plan', i)})"
                 for i, m in enumerate(t.index) if outside[i]]
    alt = (f"Line chart of children on a child protection plan at each month end from "
           f"{t.index[0]:%B %Y} to {last:%B %Y}, against a shaded reference band "
           f"{trend.attrs.get('band', '')}. The latest figure is {safe.say('on_plan', n - 1)}; "
           f"{n_out} of {n} months were outside the band"
           + (": " + ", ".join(out_words) if n_out else "") + "." + _changes_words(drawn))
    return fig, alt


def starts_ends_chart(trend: pd.DataFrame, threshold: int | None = None, practice_changes=None
                      ) -> tuple[Figure, str]:
    """Plans started and ended in each month, and each practice change as a labelled line."""
    t = trend.dropna(subset=["starts"])
    safe = _Safe(t[["starts", "ended"]], threshold)
    fig, ax = _figure()
    pos = np.arange(len(t))
    for col, shift, colour, label in (("starts", -0.2, DARK_BLUE, "Plans started"),
                                      ("ended", 0.2, TURQUOISE, "Plans ended")):
        ax.bar(pos + shift, safe.num(col).fillna(0), 0.4, color=colour, label=label)
        _small_bars(ax, pos + shift, safe.hidden(col), 0.4, colour, threshold)
    ax.set_xticks(pos[::3], [f"{m:%b %y}" for m in t.index[::3]])
    drawn = _mark_changes(ax, practice_changes, t.index, pos)
    ax.yaxis.grid(True, color=GRID)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Plans in the month", fontsize=FONT)
    ax.set_xlabel("Month", fontsize=FONT)
    _legend(ax, loc="upper left", ncols=2)
    last12 = t.iloc[-12:]
    s, e = int(last12["starts"].sum()), int(last12["ended"].sum())
    ss, se = safe.count(s), safe.count(e)
    word = "more" if s > e else "fewer" if s < e else "as many"
    if ss != str(s) or se != str(e):
        title = f"{ss} plans started and {se} ended in the last 12 months"
    else:
        title = (f"{s} plans started and {e} ended in the last 12 months: "
                 f"{word} starts than ends" if word != "as many" else
                 f"As many plans started as ended in the last 12 months ({s})")
    _title(ax, title)
    alt = (f"Bar chart of plans started and ended in each month from {t.index[0]:%B %Y} to "
           f"{t.index[-1]:%B %Y}. In the last 12 months {ss} plans started and {se} ended."
           + (f" Months with fewer than {threshold} are hatched." if
              safe.any("starts") or safe.any("ended") else "") + _changes_words(drawn))
    return fig, alt


def rate_chart(rates: pd.DataFrame, threshold: int | None = None) -> tuple[Figure, str]:
    """Children on a plan per 10,000: the council beside neighbours and England."""
    r = rates.dropna(subset=["rate_per_10k"]).reset_index(drop=True)
    safe = _Safe(r, threshold)
    fig, ax = _figure(8, 2.8)
    colours = [DARK_BLUE, TURQUOISE, DARK_GREY][: len(r)]
    vals = safe.num("rate_per_10k")
    ax.barh(range(len(r)), list(vals.fillna(0))[::-1], color=colours[::-1])
    ax.set_yticks(range(len(r)), [_wrap_label(a) for a in list(r["area"])[::-1]])
    for y, v in enumerate(list(vals)[::-1]):
        if pd.isna(v):
            ax.text(0, y, f" {HIDDEN_MARK}", va="center", fontsize=FONT, color=DARK_GREY)
        else:
            ax.text(v, y, f" {v:.1f}", va="center", fontsize=FONT)
    ax.xaxis.grid(True, color=GRID)
    ax.set_xlabel("Children on a plan per 10,000 children aged 0-17", fontsize=FONT)
    own = rates["rate_per_10k"].iloc[0]
    eng = rates["rate_per_10k"].iloc[-1]
    if pd.isna(own) or pd.isna(eng) or safe.hidden("rate_per_10k")[0]:
        title = "Rate of children on a plan per 10,000 children"
    else:
        title = (f"The council's rate ({own:.1f} per 10,000) is "
                 f"{'above' if own > eng else 'below' if own < eng else 'the same as'} "
                 f"England's ({eng:.1f})")
    _title(ax, title)
    alt = "Bar chart of children on a plan per 10,000 children: " + "; ".join(
        f"{a}: {safe.say('rate_per_10k', i, lambda v: f'{v:.1f}')}"
        for i, a in enumerate(r["area"])) + "."
    return fig, alt


def change_title(rows: pd.DataFrame, what: str, hidden: np.ndarray | None = None) -> str:
    """ "What: 25.7%, down from 27.2%", from the first two rows' `pct` (now, then).

    `hidden`: which rows' `pct` disclosure control hides (they are not compared).
    """
    hide = np.zeros(len(rows), dtype=bool) if hidden is None else hidden
    kept = [(v, h) for v, h in zip(rows["pct"], hide, strict=True) if h or not pd.isna(v)]
    if not kept:
        return f"{what}: no figures"
    if kept[0][1]:
        return f"{what}: suppressed (small numbers)"
    p = [kept[0][0]] + ([kept[1][0]] if len(kept) > 1 and not kept[1][1] else [])
    if len(p) == 1:
        return f"{what}: {p[0]:.1f}%"
    word = "up" if round(p[0], 1) > round(p[1], 1) else "down" \
        if round(p[0], 1) < round(p[1], 1) else "unchanged"
    return f"{what}: {p[0]:.1f}%, {word} from {p[1]:.1f}%"


@passes_through
def proportions_chart(rows: pd.DataFrame, label: str, *, what: str = "", title: str | None = None,
                      xlabel: str = "Per cent", england: float | None = None,
                      neighbours: float | None = None, threshold: int | None = None,
                      comparators: Mapping[str, float | None] | None = None
                      ) -> tuple[Figure, str]:
    """Proportions with their 95% Wilson intervals (dots and whiskers), optional reference lines.

    `rows` is a `comparison.proportion_rows` table; `label` its label column.
    `comparators`: named councils' published figures ({name: value}), a labelled line each.
    Without a `title`, the title states the change from the second row to the first.
    With `threshold`, a row whose `n` or `of` is below it keeps its label but
    no dot: `[c]` instead.
    """
    keep = [c for c in ("n", "of", "pct", "ci_low", "ci_high") if c in rows]
    whole = _Safe(rows[keep], threshold)
    title = title or change_title(rows, what, whole.hidden("pct"))
    r = rows.dropna(subset=["pct"]).iloc[::-1].reset_index(drop=True)
    safe = _Safe(r[keep], threshold)
    shown = ~safe.hidden("pct")
    fig, ax = _figure(8, 1.2 + 0.6 * max(len(r), 2))
    y = np.arange(len(r))
    p, lo, hi = r["pct"][shown], r["ci_low"][shown], r["ci_high"][shown]
    ax.errorbar(p, y[shown], xerr=[p - lo, hi - p], fmt="o", color=DARK_BLUE, ecolor=DARK_BLUE,
                ms=8, capsize=4, label="This council, with 95% interval")
    ax.set_yticks(list(y), [_wrap_label(v) for v in r[label]])
    for yy, v in zip(y[shown], p, strict=True):
        ax.text(v, yy + 0.18, f"{v:.1f}%", ha="center", fontsize=FONT - 1, color=DARK_BLUE)
    _mark_hidden(ax, y[~shown], horizontal=True)
    _published_lines(ax.axvline, england, neighbours, comparators)
    ax.xaxis.grid(True, color=GRID)
    _pct_axis(ax.xaxis)
    ax.set_xlim(left=0)
    if not shown.any():
        ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, len(r) - 0.4)
    ax.set_xlabel(xlabel, fontsize=FONT)
    _legend(ax, loc="lower right")
    _title(ax, title)

    def row_words(i: int) -> str:
        n, of = safe.say("n", i), safe.say("of", i)
        if not shown[i]:
            return f"{r[label].iloc[i]}: suppressed ({n} of {of})"
        return (f"{r[label].iloc[i]}: {r['pct'].iloc[i]:.1f}% ({n} of {of}, interval "
                f"{r['ci_low'].iloc[i]:.1f}% to {r['ci_high'].iloc[i]:.1f}%)")

    alt = (f"Dot chart with 95% intervals. {title}. " + "; ".join(row_words(i) for i in y)
           + (f". England {england:.1f}%" if england is not None and not pd.isna(england) else "")
           + (f"; statistical neighbours {neighbours:.1f}%"
              if neighbours is not None and not pd.isna(neighbours) else "")
           + "".join(f"; {w}" for w in _comparator_words(comparators)) + ".")
    return fig, alt


def _bench(benchmark: pd.DataFrame | None) -> tuple[float | None, float | None]:
    """(England, neighbours) from a `replans.replan_benchmark` table."""
    if benchmark is None:
        return None, None
    return benchmark["pct"].iloc[2], benchmark["pct"].iloc[1]


def benchmark_chart(benchmark: pd.DataFrame, what: str, threshold: int | None = None,
                    comparators: Mapping[str, float | None] | None = None
                    ) -> tuple[Figure, str]:
    """The council's proportion with its interval against the published neighbours and England
    (a `replans.replan_benchmark` table), and any named comparator councils ({name: value})."""
    england, neighbours = _bench(benchmark)
    own = benchmark.iloc[:1]
    safe = _Safe(own[["n", "of", "pct"]], threshold)
    title = f"{what}: {safe.say('pct', 0, _p)}" + (
        f", against England's {england:.1f}%" if england is not None and not pd.isna(england)
        else "")
    return proportions_chart(own, "area", title=title, england=england, neighbours=neighbours,
                             threshold=threshold, comparators=comparators)


def replan_quarter_chart(quarters: pd.DataFrame, benchmark: pd.DataFrame | None = None,
                         threshold: int | None = None,
                         comparators: Mapping[str, float | None] | None = None
                         ) -> tuple[Figure, str]:
    """Share of plans started in each financial quarter that were second or subsequent, with
    England's, the neighbours' and any named councils' published figures ({name: value})."""
    england, neighbours = _bench(benchmark)
    safe = _Safe(quarters[["n", "of", "pct"]], threshold)
    pct = safe.num("pct")
    fig, ax = _figure()
    years = list(dict.fromkeys(quarters["year"]))
    colours = {y: c for y, c in zip(years, (TURQUOISE, DARK_BLUE), strict=False)}
    ax.bar(range(len(quarters)), pct.fillna(0), color=[colours[y] for y in quarters["year"]])
    # "2017-18 Q4 (to date)" on two lines: eight quarters side by side ran into each other
    ax.set_xticks(range(len(quarters)),
                  [str(q).replace(" Q", "\nQ", 1) for q in quarters["quarter"]])
    for i, (p, o) in enumerate(zip(pct, quarters["of"], strict=True)):
        counts = f"{safe.say('n', i)} of {safe.say('of', i)}"
        if safe.hidden("pct")[i]:
            ax.text(i, 0, f"{HIDDEN_MARK}\n{counts}", ha="center", va="bottom",
                    fontsize=FONT - 1, color=DARK_GREY)
        elif o:
            ax.text(i, p, f"{p:.0f}%\n{counts}", ha="center", va="bottom", fontsize=FONT - 1)
    _published_lines(ax.axhline, england, neighbours, comparators)
    ax.yaxis.grid(True, color=GRID)
    _pct_axis(ax.yaxis)
    top = pct.max() if pct.notna().any() else 0
    ax.set_ylim(0, max(50, float(top) * 1.3))
    ax.set_ylabel("Re-plans, % of plans started", fontsize=FONT)
    ax.set_xlabel("Financial quarter", fontsize=FONT)
    ax.tick_params(axis="x", labelsize=FONT - 1)
    if england is not None or neighbours is not None or comparators:
        _legend(ax, loc="upper left")
    last = len(quarters) - 1
    latest = f"latest quarter {safe.say('pct', last, _p)}"
    if safe.any("pct"):  # the peak may be a hidden quarter: do not name one
        title = f"Re-plans as a share of starts, quarter by quarter; {latest}"
    else:
        high = quarters.loc[pct.idxmax()] if pct.notna().any() else quarters.iloc[-1]
        title = f"Re-plans peaked at {high['pct']:.0f}% of starts in {high['quarter']}; {latest}"
    _title(ax, title)
    alt = ("Bar chart of the share of plans started in each financial quarter that were second "
           "or subsequent: " + "; ".join(
               f"{q}: {safe.say('pct', i, _p)} ({safe.say('n', i)} of {safe.say('of', i)})"
               for i, q in enumerate(quarters["quarter"]))
           + "".join(f". {w}" for w in ([f"England {england:.1f}%"] if england else [])
                     + _comparator_words(comparators)) + ".")
    return fig, alt


def rolling_chart(rolling: pd.DataFrame, benchmark: pd.DataFrame | None = None,
                  threshold: int | None = None,
                  comparators: Mapping[str, float | None] | None = None,
                  practice_changes=None) -> tuple[Figure, str]:
    """Rolling 12-month share of starts that were second or subsequent, with its interval,
    England's published figure, any named councils' ({name: value}) and each practice change
    (params `{date, label}`) as a labelled vertical line."""
    england, _ = _bench(benchmark)
    safe = _Safe(rolling[["n", "of", "pct", "ci_low", "ci_high"]], threshold)
    pct, lo, hi = safe.num("pct"), safe.num("ci_low"), safe.num("ci_high")
    fig, ax = _figure()
    ax.fill_between(rolling.index, lo, hi, color=DARK_BLUE, alpha=0.15, lw=0,
                    label="95% interval")
    ax.plot(rolling.index, pct, color=DARK_BLUE, lw=2.5, label="Rolling 12 months, this council")
    _published_lines(ax.axhline, england, None, comparators)
    drawn = _mark_changes(ax, practice_changes, pd.DatetimeIndex(rolling.index))
    ax.yaxis.grid(True, color=GRID)
    _pct_axis(ax.yaxis)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Re-plans, % of starts in 12 months", fontsize=FONT)
    ax.set_xlabel("12 months ending", fontsize=FONT)
    _legend(ax, loc="lower left")
    first, last = rolling["pct"].iloc[0], rolling["pct"].iloc[-1]
    gaps = (f"; months resting on fewer than {threshold} re-plans or starts are left out"
            if safe.any("pct") else "")
    if safe.hidden("pct")[0] or safe.hidden("pct")[-1]:
        _title(ax, "The rolling 12-month re-plan share")
    else:
        trend = "rose" if last > first + 0.05 else "fell" if last < first - 0.05 else "held"
        _title(ax, f"The rolling 12-month re-plan share {trend} from {first:.1f}% to {last:.1f}%")
    n = len(rolling) - 1
    alt = (f"Line chart of the share of plans started in the previous 12 months that were second "
           f"or subsequent, from {rolling.index[0]:%B %Y} ({safe.say('pct', 0, _p)}) to "
           f"{rolling.index[-1]:%B %Y} ({safe.say('pct', n, _p)}), with a shaded 95% interval"
           + gaps + (f"; England's published figure is {england:.1f}%" if england else "")
           + "".join(f"; {w}" for w in _comparator_words(comparators)) + "."
           + _changes_words(drawn))
    return fig, alt


def funnel_chart(funnel: pd.DataFrame, what: str = "Plans started that were re-plans",
                 threshold: int | None = None) -> tuple[Figure, str]:
    """Every council's published proportion against its size, with 95% and 99.8% funnel limits.

    Other councils' figures are DfE's published ones; with `threshold`, this
    council's own dot is left out when its count or denominator is below it.
    """
    f = funnel.dropna(subset=["pct"])
    mine = f[f["la"] == "this council"]
    others = f[f["la"] != "this council"]
    own = _Safe(mine[["n", "of", "pct"]].reset_index(drop=True), threshold)
    hide_own = len(mine) and own.hidden("pct")[0]
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
    if not hide_own:
        ax.scatter(mine["of"], mine["pct"], s=90, color=DARK_BLUE, zorder=4,
                   label="This council, this year to date")
    ax.yaxis.grid(True, color=GRID)
    _pct_axis(ax.yaxis)
    ax.set_xlabel("Plans started (denominator)", fontsize=FONT)
    ax.set_ylabel(what, fontsize=FONT)
    _legend(ax)
    pos = mine["position"].iloc[0] if len(mine) else None
    if hide_own:
        title = "Councils against England's figure (this council's is suppressed: small numbers)"
    elif isinstance(pos, str):
        title = f"This council is {pos} of England's figure"
    else:
        title = "Councils against England's figure"
    _title(ax, title)
    if not len(mine):
        tail = ""
    elif hide_own:
        tail = f" This council's figure is suppressed ({own.say('n', 0)} of {own.say('of', 0)})."
    else:
        tail = (f" This council: {mine['pct'].iloc[0]:.1f}% of "
                f"{int(mine['of'].iloc[0])}, {pos}.")
    alt = (f"Funnel plot of {len(others)} councils' published share ({what.lower()}) against "
           f"the number of plans started, with 95% and 99.8% limits around England's "
           f"{target:.1f}%." + tail)
    return fig, alt


def bars_chart(table: pd.DataFrame, columns: dict[str, str], *, title: str, xlabel: str,
               pct: bool = True, threshold: int | None = None, **disclosure: object
               ) -> tuple[Figure, str]:
    """Horizontal grouped bars, one group per row of `table` (its index), one bar per column.

    `columns` maps column name to legend label, in palette order. With
    `threshold`, `table` goes through `suppress_table` (`disclosure` keywords
    passed on): a hidden count is a hatched bar reaching the threshold, a
    hidden percentage no bar and `[c]`.
    """
    safe = _Safe(table, threshold, **disclosure)
    k = len(columns)
    fig, ax = _figure(8, 1.4 + 0.32 * len(table) * k)
    pos = np.arange(len(table))[::-1]  # first row at the top
    h = 0.8 / k
    for i, (col, lab) in enumerate(columns.items()):
        at = pos + (k - 1 - i - (k - 1) / 2) * h
        ax.barh(at, safe.num(col).fillna(0), h, color=PALETTE[i], label=lab)
        if pct:
            _mark_hidden(ax, at[safe.hidden(col)], horizontal=True)
        else:
            _small_bars(ax, at, safe.hidden(col), h, PALETTE[i], threshold, horizontal=True)
    ax.set_yticks(pos, [_wrap_label(i) for i in table.index])
    ax.xaxis.grid(True, color=GRID)
    if pct:
        _pct_axis(ax.xaxis)
    ax.set_xlabel(xlabel, fontsize=FONT)
    _legend(ax, loc="lower right")
    _title(ax, title)
    fmt = _p if pct else (lambda v: "-" if pd.isna(v) else f"{v:g}")
    alt = (f"Bar chart. {title}. " + "; ".join(
        f"{idx}: " + ", ".join(f"{lab} {safe.say(col, i, fmt)}" for col, lab in columns.items())
        for i, idx in enumerate(table.index)) + ".")
    return fig, alt


def headline_chart(headline: pd.DataFrame, threshold: int | None = None) -> tuple[Figure, str]:
    """Headline percentages with 95% intervals beside England's published figure."""
    h = headline[headline["unit"] == "%"].dropna(subset=["value"])
    rows = h.rename(columns={"value": "pct"})
    # a measure whose figure is suppressed is not counted: its direction would give it away
    shown = ~_Safe(rows[["n", "of", "pct"]], threshold).hidden("pct")
    beyond = [m for m, v, s in zip(h["measure"], h["vs_england"], shown, strict=True)
              if s and isinstance(v, str) and "beyond" in v]
    title = (f"{len(beyond)} of the headline measures differ from England beyond chance"
             if beyond else "No headline measure differs from England beyond chance")
    return england_dots_chart(rows, "measure", "england_value", title, threshold=threshold)


def england_dots_chart(rows: pd.DataFrame, label: str, england_col: str, title: str,
                       threshold: int | None = None) -> tuple[Figure, str]:
    """Proportions with 95% intervals, each with England's published figure as a diamond."""
    fig, alt = proportions_chart(rows, label, title=title, xlabel="Per cent", threshold=threshold)
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


def long_plans_benchmark_chart(bench: pd.DataFrame, threshold: int | None = None
                               ) -> tuple[Figure, str]:
    """Two-years-or-more shares (a `long_plans.long_plan_benchmark` table) against England."""
    safe = _Safe(bench[["n", "of", "pct"]], threshold)
    ratios = [p / e for p, e in zip(safe.num("pct"), bench["england_pct"], strict=True)
              if e and not pd.isna(e) and not pd.isna(p)]
    if ratios and not safe.any("pct"):
        title = f"Long plans run at up to {max(ratios):.1f} times England's share"
    else:
        title = "Plans lasting two years or more"
    return england_dots_chart(bench, "measure", "england_pct", title, threshold=threshold)


def category_chart(categories: pd.DataFrame, threshold: int | None = None
                   ) -> tuple[Figure, str]:
    """Plans started by initial category, children on a plan by latest (category_profile)."""
    safe = _Safe(categories, threshold)
    top = categories["starts_pct"].idxmax()
    i = list(categories.index).index(top)
    if safe.hidden("starts_pct")[i]:
        title = "Plans started by initial category and children on a plan by latest category"
    else:
        title = (f"{top} is the most common initial category "
                 f"({_p(categories.loc[top, 'starts_pct'])} of plans started)")
    return bars_chart(categories, {"starts_pct": "Plans started (initial category)",
                                   "on_plan_pct": "Children on a plan (latest category)"},
                      title=title, xlabel="Share", threshold=threshold)


def _council_and_published(t: pd.DataFrame) -> dict[str, str]:
    """The council's share and whichever published shares the table holds, with legend labels."""
    cols = {"pct": "This council", "england_pct": "England",
            "neighbours_pct": "Statistical neighbours"}
    return {k: v for k, v in cols.items() if k in t}


@passes_through
def factor_chart(factors: pd.DataFrame, threshold: int | None = None) -> tuple[Figure, str]:
    """Factors at assessment against England and neighbours (drivers.factor_shares)."""
    t = factors.set_index("factor")
    cols = _council_and_published(t)
    safe = _Safe(t, threshold)
    top = t.index[0] if len(t) else "no factor"
    share = safe.say("pct", 0, _p) if len(t) else _p(None)
    title = f"{top} is the factor recorded most often ({share})"
    return bars_chart(t, cols, title=title, xlabel="Share of episodes with a factor recorded",
                      threshold=threshold)


@passes_through
def dv_chart(dv: pd.DataFrame, threshold: int | None = None) -> tuple[Figure, str]:
    """Domestic violence/abuse counted each episode once and as DfE's column sum."""
    t = dv.set_index("measure")
    cols = _council_and_published(t)
    safe = _Safe(t, threshold)
    once, summed = safe.say("pct", 0, _p), safe.say("pct", len(t) - 1, _p)
    if "suppressed" in (once, summed):
        title = "Domestic abuse counted each episode once and as DfE's columns add up"
    else:
        title = (f"Domestic abuse: {once} of episodes counted once, {summed} as DfE's "
                 f"columns add up")
    return bars_chart(t, cols, title=title, xlabel="Share of episodes with a factor recorded",
                      threshold=threshold)


@passes_through
def cooccurring_chart(together: pd.DataFrame, threshold: int | None = None
                      ) -> tuple[Figure, str]:
    """Factors recorded alongside domestic violence/abuse (drivers.dv_cooccurring)."""
    top = together.index[0] if len(together) else "no factor"
    title = f"{top} is recorded most often alongside domestic abuse"
    return bars_chart(together, {"with_dv_pct": "Episodes with domestic abuse",
                                 "without_dv_pct": "Episodes without"},
                      title=title, xlabel="Share of episodes", threshold=threshold)


def returns_chart(returns: pd.DataFrame, threshold: int | None = None) -> tuple[Figure, str]:
    """Re-plans by time since the previous plan ended (replans.return_profile)."""
    t = returns.iloc[:-1]
    cols = {"replans": "Re-plans", "same_cin_episode": "Case stayed open (same CIN episode)",
            "cin_plan_between": "CIN plan in between"}
    known = t.drop(index=[i for i in t.index if "previous plan" in str(i)])
    top = known["replans"].idxmax() if len(known) and known["replans"].sum() else None
    # a count below the threshold is not compared with others: name the top only when shown
    if top is not None and threshold is not None and known["replans"].max() < threshold:
        top = None
    title = (f"Most re-plans with an earlier plan in the data came {top} after it ended"
             if top else "Re-plans by time since the previous plan ended")
    return bars_chart(t, cols, title=title, xlabel="Re-plans started this year", pct=False,
                      threshold=threshold)


def durations_chart(profile: pd.DataFrame, threshold: int | None = None) -> tuple[Figure, str]:
    """Children on a plan by duration band against England (long_plans.duration_profile)."""
    cols = {"on_plan_pct": "This council", "england_on_plan_pct": "England",
            "neighbours_on_plan_pct": "Statistical neighbours"}
    cols = {k: v for k, v in cols.items() if k in profile}
    safe = _Safe(profile, threshold)
    last = len(profile) - 1
    own = safe.say("on_plan_pct", last, _p)
    eng = profile["england_on_plan_pct"].iloc[last] if "england_on_plan_pct" in profile else None
    title = f"{own} of children on a plan have been on it 2 years or more" + (
        f", England {_p(eng)}" if eng is not None and not pd.isna(eng) else "")
    if own == "suppressed":
        title = "Children on a plan 2 years or more: suppressed (small numbers)" + (
            f"; England {_p(eng)}" if eng is not None and not pd.isna(eng) else "")
    return bars_chart(profile, cols, title=title, xlabel="Share of children on a plan",
                      threshold=threshold)


def approaching_chart(approaching: pd.DataFrame, threshold: int | None = None
                      ) -> tuple[Figure, str]:
    """Children approaching two years on a plan (long_plans.approaching_two_years_summary)."""
    safe = _Safe(approaching, threshold)
    total = safe.say("children", len(approaching) - 1)
    soon = safe.say("children", 0)
    title = f"{total} children have been on a plan 18 months or more; {soon} reach 2 years " \
        "within a month"
    return bars_chart(approaching.iloc[:-1], {"children": "Children"}, title=title,
                      xlabel="Children", pct=False, threshold=threshold)


def _curve_months(table: pd.DataFrame, col: str) -> np.ndarray:
    """The month of each row of a `survival` table, read from its label ("18 months")."""
    return np.array([int(str(v).split()[0]) for v in table[col]], dtype=float)


def _km_lines(ax, table: pd.DataFrame, label_col: str, month_col: str, events: str,
              depends: dict, threshold: int | None) -> dict[str, tuple[_Safe, pd.DataFrame]]:
    """Each group of a `survival` table as a line through its monthly points, with its 95%
    interval shaded.

    With `threshold`, a month whose share rests on a small count (the plans, the
    events by then or those still followed) is not drawn: the line breaks there,
    exactly as the table hides it.
    """
    drawn = {}
    groups = list(dict.fromkeys(table[label_col])) if label_col in table else [None]
    for i, g in enumerate(groups):
        t = (table[table[label_col] == g] if g is not None else table).reset_index(drop=True)
        safe = _Safe(t[["plans", events, "at_risk", "pct", "ci_low", "ci_high"]], threshold,
                     depends=depends)
        x = _curve_months(t, month_col)
        colour = PALETTE[i % len(PALETTE)]
        ax.fill_between(x, safe.num("ci_low"), safe.num("ci_high"), color=colour, alpha=0.15,
                        lw=0, label="95% interval (shaded)" if len(groups) == 1 else None)
        ax.plot(x, safe.num("pct"), color=colour, lw=2.5, marker="o", ms=3,
                label=_wrap_label(g, 40) if g is not None else "This council")
        drawn[g] = (safe, t)
    if len(groups) > 1:
        ax.fill_between([], [], [], color=DARK_GREY, alpha=0.15, lw=0,
                        label="95% intervals (shaded)")
    ax.yaxis.grid(True, color=GRID)
    ax.xaxis.grid(True, color=GRID)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _pct_axis(ax.yaxis)
    ax.set_xticks([0, 3, 6, 12, 18, 24])
    ax.set_xlim(0, 24.5)
    return drawn


def _at(safe: _Safe, t: pd.DataFrame, month_col: str, months: int) -> str:
    """A group's share at `months` in words ("12.3%", "suppressed", "not available")."""
    rows = [i for i, m in enumerate(_curve_months(t, month_col)) if m == months]
    return safe.say("pct", rows[0], _p) if rows else _p(None)


@passes_through
def return_curve_chart(curves: pd.DataFrame, threshold: int | None = None
                       ) -> tuple[Figure, str]:
    """Share of ended plans whose child was back on a plan, month by month after the end, with
    95% intervals, one line per group (a `survival.return_curves` table)."""
    from cpmetrics.survival import ALL, RETURN_MONTHS, RETURNS_DEPENDS

    fig, ax = _figure()
    drawn = _km_lines(ax, curves, "group", "within", "returned", RETURNS_DEPENDS, threshold)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("Months since the plan ended", fontsize=FONT)
    ax.set_ylabel("Back on a plan, % of ended plans", fontsize=FONT)
    _legend(ax, ncols=2)
    twelve = {g: _at(s, t, "within", 12) for g, (s, t) in drawn.items()}
    shown = {g: v for g, v in twelve.items() if v.endswith("%")}
    if len(drawn) == 1 and shown:
        title = f"{next(iter(shown.values()))} of children whose plan ended were back on a " \
            "plan within 12 months"
    elif len(drawn) == 2 and len(shown) == 2:
        (g1, p1), (g2, p2) = shown.items()
        title = f"Back on a plan within 12 months: {p1} ({g1}), {p2} ({g2})"
    elif len(shown) > 2:
        vals = {g: float(v[:-1]) for g, v in shown.items()}
        lo, hi = min(vals, key=vals.get), max(vals, key=vals.get)
        title = (f"Back on a plan within 12 months: from {shown[lo]} ({lo}) to {shown[hi]} "
                 f"({hi})")
    else:
        title = "Children back on a plan after it ended"
    at, breakdown = curves.attrs.get("at"), curves.attrs.get("breakdown")
    ended = f"plans ended up to {at.day} {at:%B %Y}" if at is not None else "ended plans"
    _title(ax, title, f"{breakdown}: {ended}" if breakdown and breakdown != ALL
           else ended[:1].upper() + ended[1:])
    words = []
    for g, (safe, t) in drawn.items():
        words.append(f"{g}: " + ", ".join(
            f"within {m} months {_at(safe, t, 'within', m)}" for m in RETURN_MONTHS)
            + f" (of {safe.say('plans', 0)} ended plans)")
    alt = ("Line chart of the share of ended plans whose child was back on a child protection "
           "plan, month by month since the plan ended (0 to 24), with shaded 95% intervals, "
           + ended + ". "
           + "; ".join(words) + "."
           + (f" Months resting on fewer than {threshold} plans are not drawn."
              if threshold is not None else ""))
    return fig, alt


def time_on_plan_chart(curve: pd.DataFrame, threshold: int | None = None
                       ) -> tuple[Figure, str]:
    """Share of plans still open, month by month after they started, with its 95% interval
    (a `survival.time_on_plan_curve` table); 18 months and two years marked."""
    from cpmetrics.survival import ON_PLAN_DEPENDS, ON_PLAN_MONTHS

    fig, ax = _figure()
    drawn = _km_lines(ax, curve, "", "on_plan_at", "ended", ON_PLAN_DEPENDS, threshold)
    for m, style in ((18, ":"), (24, "--")):
        ax.axvline(m, color=DARK_GREY, lw=1, ls=style)
    ax.set_ylim(0, 100)
    ax.set_xlabel("Months since the plan started", fontsize=FONT)
    ax.set_ylabel("Still on the plan, % of plans", fontsize=FONT)
    _legend(ax, ncols=2)
    safe, t = drawn[None]
    p18, p24 = _at(safe, t, "on_plan_at", 18), _at(safe, t, "on_plan_at", 24)
    if p18.endswith("%") and p24.endswith("%"):
        title = f"{p18} of plans last 18 months and {p24} two years or more"
    else:
        title = "How long plans last"
    since, at = curve.attrs.get("since"), curve.attrs.get("at")
    started = (f"plans started {since.day} {since:%B %Y} to {at.day} {at:%B %Y}"
               if since is not None and at is not None else "")
    _title(ax, title, started[:1].upper() + started[1:] if started else None)
    alt = ("Line chart of the share of child protection plans still open, month by month since "
           "the plan started (0 to 24), with a shaded 95% interval"
           + (f", {started}" if started else "")
           + ", plans still open at the reporting date counted up to it. "
           + "Still on the plan " + ", ".join(
               f"at {m} months {_at(safe, t, 'on_plan_at', m)}" for m in ON_PLAN_MONTHS)
           + f" (of {safe.say('plans', 0)} plans)."
           + (f" Months resting on fewer than {threshold} plans are not drawn."
              if threshold is not None else ""))
    return fig, alt


_PROPORTION = ["n", "of", "pct", "ci_low", "ci_high"]


@passes_through
def pathway_trend_chart(by_month: pd.DataFrame, what: str, *, ylabel: str,
                        england: float | None = None, neighbours: float | None = None,
                        threshold: int | None = None,
                        comparators: Mapping[str, float | None] | None = None
                        ) -> tuple[Figure, str]:
    """A pathway measure month by month (a `pathway.*_by_month` table): each month's share as
    a dot with its 95% interval and, where the table has `rolling_*` columns, the rolling 12
    months as a line; published figures ({name: value} for named councils) as lines. The title
    says where the measure (the rolling one, if drawn) ended and where it started."""
    month = _Safe(by_month[_PROPORTION], threshold)
    rolling = None
    if "rolling_pct" in by_month:
        cols = {f"rolling_{c}": c for c in _PROPORTION}
        rolling = _Safe(by_month[list(cols)].rename(columns=cols), threshold)
    x = by_month.index
    pct, lo, hi = month.num("pct"), month.num("ci_low"), month.num("ci_high")
    fig, ax = _figure()
    ax.errorbar(x, pct, yerr=[pct - lo, hi - pct], fmt="o", color=DARK_BLUE,
                ecolor=DARK_BLUE, ms=6, capsize=3, label="Month, with 95% interval")
    if rolling is not None:
        ax.plot(x, rolling.num("pct"), color=TURQUOISE, lw=2.5, label="Rolling 12 months")
    _published_lines(ax.axhline, england, neighbours, comparators)
    ax.yaxis.grid(True, color=GRID)
    _pct_axis(ax.yaxis)
    ax.set_ylim(0, 105)
    ax.set_ylabel(ylabel, fontsize=FONT)
    ax.set_xlabel("Month", fontsize=FONT)
    _legend(ax, loc="lower left")
    main = rolling if rolling is not None else month
    shown = [i for i in range(len(x)) if not main.hidden("pct")[i]
             and not pd.isna(main.df["pct"].iloc[i])]
    scope = ", rolling 12 months" if rolling is not None else ""
    if len(shown) >= 2 and shown[-1] == len(x) - 1:
        first, last = main.df["pct"].iloc[shown[0]], main.df["pct"].iloc[-1]
        word = "up" if round(last, 1) > round(first, 1) else "down" \
            if round(last, 1) < round(first, 1) else "unchanged"
        title = (f"{what}{scope}: {last:.1f}% in {x[-1]:%B %Y}, {word} from {first:.1f}% in"
                 f" {x[shown[0]]:%B %Y}")
    else:
        title = f"{what}{scope}, month by month"
    _title(ax, title)

    def words(safe: _Safe, i: int) -> str:
        return (f"{x[i]:%B %Y} {safe.say('pct', i, _p)} ({safe.say('n', i)} of "
                f"{safe.say('of', i)})")

    alt = (f"Chart of {what.lower()} month by month, {x[0]:%B %Y} to {x[-1]:%B %Y}. {title}. "
           "Each month: " + "; ".join(words(month, i) for i in range(len(x)))
           + (". Rolling 12 months: " + "; ".join(words(rolling, i) for i in range(len(x)))
              if rolling is not None else "")
           + (f". England {england:.1f}%" if england is not None and not pd.isna(england)
              else "")
           + (f"; statistical neighbours {neighbours:.1f}%"
              if neighbours is not None and not pd.isna(neighbours) else "")
           + "".join(f"; {w}" for w in _comparator_words(comparators)) + ".")
    return fig, alt



def _windows_title(rows: pd.DataFrame, what: str, label: str, hidden: np.ndarray) -> str:
    """ "What: 88.8% in the 12 months to 30 September 2018", from the last (longest) window."""
    i = len(rows) - 1
    when = str(rows[label].iloc[i])
    when = when[0].lower() + when[1:]
    if hidden[i]:
        return f"{what}: suppressed (small numbers) in the {when}"
    if pd.isna(rows["pct"].iloc[i]):
        return f"{what}: none in the {when}"
    return f"{what}: {rows['pct'].iloc[i]:.1f}% in the {when}"


@passes_through
def pathway_windows_chart(rows: pd.DataFrame, what: str, *, label: str = "period",
                          threshold: int | None = None) -> tuple[Figure, str]:
    """A pathway measure this month, this year to date and over 12 months (a `pathway` table by
    window), dots with 95% intervals; the title gives the 12 months' figure, the steadiest."""
    keep = [c for c in ("n", "of", "pct", "ci_low", "ci_high") if c in rows]
    safe = _Safe(rows[keep], threshold)
    return proportions_chart(rows, label, title=_windows_title(rows, what, label,
                                                               safe.hidden("pct")),
                             threshold=threshold)


@passes_through
def conference_bands_chart(beside: pd.DataFrame, threshold: int | None = None
                           ) -> tuple[Figure, str]:
    """Initial conferences within 15 working days and by C4's band of working days, the council's
    12 months (a `pathway.conferences_beside_published` table) beside its own published figure,
    its statistical neighbours' and England's. The title sets the council against England."""
    t = beside.set_index("measure")
    year = t["published_year"].dropna()
    y = f" {year.iloc[0]}" if len(year) else ""
    cols = {"pct": "This council, last 12 months", "national_value": f"Its published figure{y}",
            "neighbours_value": f"Statistical neighbours{y}", "england_value": f"England{y}"}
    safe = _Safe(t[["n", "of", "pct"]], threshold)
    first, eng = t["pct"].iloc[0], t["england_value"].iloc[0]
    if safe.hidden("pct")[0] or pd.isna(first):
        title = "Initial conferences within 15 working days: too few to show"
    else:
        title = f"{first:.1f}% of initial conferences within 15 working days in the last 12 months"
        if not pd.isna(eng):
            title += f", {'above' if first > eng else 'below' if first < eng else 'level with'}"
            title += f" England's {eng:.1f}%" + (f" ({year.iloc[0]})" if len(year) else "")
    return bars_chart(t[["n", "of", "pct", *list(cols)[1:]]], cols, title=title,
                      xlabel="Per cent of initial conferences", threshold=threshold)


#: what each outcome column of `pathway.enquiries_to_conferences` is called on a chart
OUTCOME_LABELS = {"conference": "Led to a conference", "not_required": "Conference not required",
                  "too_recent": "Too recent to tell", "no_outcome": "No outcome recorded"}


@passes_through
def enquiry_outcomes_chart(outcomes: pd.DataFrame, threshold: int | None = None
                           ) -> tuple[Figure, str]:
    """What became of the section 47 enquiries started this month, this year to date and over 12
    months (a `pathway.enquiries_to_conferences` table), as counts; the title says how many of
    the 12 months' enquiries led to a conference."""
    t = outcomes.set_index("period")
    cols = {c: lab for c, lab in OUTCOME_LABELS.items() if c in t}
    safe = _Safe(t[["enquiries", *cols]], threshold)
    i = len(t) - 1
    when = str(t.index[i])
    when = when[0].lower() + when[1:]
    total = safe.say("enquiries", i)
    led = safe.say("conference", i)
    title = f"Of {total} section 47 enquiries started in the {when}, {led} led to a conference"
    of, n = int(t["enquiries"].iloc[i]), int(t["conference"].iloc[i])
    if of and not (safe.hidden("enquiries")[i] or safe.hidden("conference")[i]):
        title += f" ({100 * n / of:.1f}%)"
    return bars_chart(t[list(cols)], cols, title=title, xlabel="Enquiries", pct=False,
                      threshold=threshold)


# ---- practice changes and statistical process control ------------------------------------------

#: how each kind of month is drawn on an SPC chart: colour, marker, size, legend label
SPC_MARKS = {
    "": (DARK_GREY, "o", 22, "Common cause variation"),
    "special cause, improving": (DARK_BLUE, "^", 70, "Special cause, improving"),
    "special cause, concerning": (ORANGE, "s", 60, "Special cause, concerning"),
    "special cause, neither": (DARK_PINK, "D", 50,
                               "Special cause, neither better nor worse"),
}


def _changes_in(practice_changes, first: pd.Timestamp, last: pd.Timestamp) -> list:
    """The practice changes (params `{date, label}`) that fall within a chart's months."""
    from cpmetrics.before_since import changes

    start = first - pd.offsets.MonthBegin(1) if first.day != 1 else first
    return [c for c in changes(practice_changes or ()) if start <= c.date <= last]


def _mark_changes(ax, practice_changes, months: pd.DatetimeIndex,
                  positions: np.ndarray | None = None) -> list[str]:
    """A dashed vertical line at each practice change within the chart's months, labelled with
    its name; `positions` when the x axis is bar positions, one a month. Returns the names."""
    if not len(months):
        return []
    drawn = []
    for c in _changes_in(practice_changes, months[0], months[-1]):
        if positions is None:
            x = c.date
        else:  # between the bars of the month before and the month of the change
            k = int(months.searchsorted(c.date))
            days = (c.date + pd.offsets.MonthEnd(0)).day
            x = positions[min(k, len(positions) - 1)] - 0.5 + (c.date.day - 1) / days
        ax.axvline(x, color=DARK_GREY, lw=1.2, ls=(0, (4, 2)), zorder=1)
        ax.text(x, 0.98, f"{_wrap_label(c.label, 24)} ", transform=ax.get_xaxis_transform(),
                rotation=90, ha="right", va="top", fontsize=FONT - 1, color=DARK_GREY)
        drawn.append(c.name)
    return drawn


def _changes_words(drawn: list[str]) -> str:
    if not drawn:
        return ""
    return (" A dashed vertical line marks each change of practice: " + "; ".join(drawn) + ".")


@passes_through
def spc_chart(spc: pd.DataFrame, threshold: int | None = None, practice_changes=None
              ) -> tuple[Figure, str]:
    """An XmR chart (`spc.monthly`): each month's value, marked by what it shows (common cause,
    or special cause improving, concerning or neither), each phase's centre line and process
    limits, and the practice changes it is rebased at.

    A limit that a count or a share cannot reach (below 0, above 100%) is drawn at 0 or 100%
    and the chart says so. With `threshold`, a month whose count is small is not drawn (a
    hollow marker in a hatched strip for a count, `[c]` for a share) and its centre and limits
    are not said.
    """
    from cpmetrics import spc as s

    measure = spc.attrs.get("measure")
    table = s.pack_table(spc, digits=None)
    safe = _Safe(table, threshold, **s.DISCLOSURE[measure])
    share = measure not in s.COUNTS
    fig, ax = _figure(8, 4.6)
    x = pd.DatetimeIndex(table["month_end"])
    value = safe.num("value")
    signal = table["signal"].fillna("").astype(str).to_numpy()
    hidden = safe.hidden("value")
    ax.plot(x, value, color=GRID, lw=1.5, zorder=2)
    for kind, (colour, marker, size, label) in SPC_MARKS.items():
        at = (signal == kind) & ~hidden & value.notna().to_numpy()
        if at.any() or kind == "":
            ax.scatter(x[at], value[at], s=size, color=colour, marker=marker, zorder=3,
                       label=label)
    notes = []
    lowest = np.inf
    for _, f in spc.groupby("phase", sort=True):
        if pd.isna(f["upper"].iloc[0]):
            continue
        xs = pd.DatetimeIndex(f["month_end"])
        lo, hi, mid = f["lower"].iloc[0], f["upper"].iloc[0], f["centre"].iloc[0]
        lowest = min(lowest, lo)
        first = not any(line.get_label() == "Average (centre line)" for line in ax.lines)
        ax.plot(xs, [mid] * len(xs), color=DARK_BLUE, lw=1.5,
                label="Average (centre line)" if first else None)
        below = f" (lower, {s._figure(lo, measure)}, drawn at 0)" if lo < 0 else ""
        ax.plot(xs, [max(lo, 0.0)] * len(xs), color=DARK_GREY, lw=1, ls="--",
                label=f"Process limits{below}" if first else None)
        ax.plot(xs, [min(hi, 100.0) if share else hi] * len(xs), color=DARK_GREY, lw=1,
                ls="--")
        if lo < 0:
            notes.append(s.NEGATIVE.format(lower=s._figure(lo, measure),
                                           what="a share" if share else "a count"))
        if share and hi > 100:
            notes.append(f"The upper process limit ({hi:.1f}%) is above 100%, which a share "
                         "cannot be: it is drawn at 100%.")
    if hidden.any():
        if share:
            for xx in x[hidden]:
                ax.text(xx, 0, HIDDEN_MARK, ha="center", va="bottom", fontsize=FONT - 1,
                        color=DARK_GREY)
            ax.plot([], [], ls="none", marker="$[c]$", ms=14, color=DARK_GREY,
                    label=f"Not shown: fewer than {threshold} re-plans or starts")
        else:
            ax.axhspan(0, threshold, facecolor="none", edgecolor=GRID, hatch="////", lw=0,
                       label=f"Fewer than {threshold} (not shown exactly)")
            ax.scatter(x[hidden], [threshold / 2] * int(hidden.sum()), s=30,
                       facecolors="none", edgecolors=DARK_GREY, zorder=3)
    drawn = _mark_changes(ax, practice_changes, x)
    ax.yaxis.grid(True, color=GRID)
    if share:
        _pct_axis(ax.yaxis)
    ax.set_ylabel({"replan_share": "Re-plans, % of the month's starts",
                   "icpc_within_15_days": "Within 15 working days, % of conferences"}
                  .get(measure, s.LABELS[measure]),
                  fontsize=FONT)
    ax.set_xlabel("Month", fontsize=FONT)
    shown = value.dropna()
    floor = min(shown.min() if len(shown) else np.inf, lowest)
    top = max(shown.max() if len(shown) else 0, 0)
    # from 0 for a share, a limit below 0, or data that reach down towards 0 anyway
    if share or hidden.any() or not np.isfinite(floor) or floor < 0.5 * top:
        ax.set_ylim(bottom=0)
    else:
        ax.set_ylim(bottom=max(0.0, float(floor) * 0.9))
    _legend(ax, ncols=3)
    title, words = _spc_title(spc, measure)
    if len(x):
        _title(ax, title, f"Month ends {x[0]:%b %Y} to {x[-1]:%b %Y}. Solid line: the average;"
                          " dashed: the process limits")
    else:
        _title(ax, title)
    alt = (f"Statistical process control (XmR) chart of {s.LABELS[measure].lower()} each month"
           + (f" from {x[0]:%B %Y} to {x[-1]:%B %Y}" if len(x) else "") + ". " + words
           + _spc_special_words(table, safe)
           + (f" Months resting on fewer than {threshold} plans are not shown." if hidden.any()
              else "")
           + _changes_words(drawn) + "".join(f" {n}" for n in dict.fromkeys(notes)))
    return fig, alt


def _spc_title(spc: pd.DataFrame, measure: str) -> tuple[str, str]:
    """The chart's title (the finding) and the phases' centre and limits in words."""
    from cpmetrics import spc as s

    short = {"on_plan": "Children on a plan", "starts": "Plans started each month",
             "replan_share": "Re-plan share of each month's starts",
             "icpc_within_15_days": "Initial conferences within 15 working days"}[measure]
    if spc.empty:
        return f"{short}: no months to chart", ""
    phases = s.phase_summary(spc)
    judged = phases[phases["upper"].notna()]
    words = []
    for _, p in phases.iterrows():
        when = s._months(p["first_month"], p["last_month"])
        if pd.isna(p["upper"]):
            words.append(f"{when}: no process limits yet ({p['note']}).")
        else:
            words.append(f"{when}: average {s._figure(p['centre'], measure)}, process limits "
                         f"{p['lower']:.1f} to {s._figure(p['upper'], measure)}.")
    if judged.empty:
        return f"{short}: too few months to set process limits", " ".join(words)
    special = int((judged["improving"] + judged["concerning"] + judged["neither"]).sum())
    months = int(judged["months"].sum())
    show = "shows" if special == 1 else "show"
    title = (f"{short}: every month is common cause variation" if not special else
             f"{short}: {s._count(special)} of {months} months {show} special cause variation")
    last = phases.iloc[-1]
    if pd.isna(last["upper"]) and last["phase"] > 1:
        label = str(last["change"]).split(" (")[0]
        title += f"; too early to judge since {label}"
    return title, " ".join(words)


def _spc_special_words(table: pd.DataFrame, safe: _Safe) -> str:
    """The special cause months in words (a hidden month's reading is not given)."""
    rows = [(m, sig) for i, (m, sig) in enumerate(zip(table["month_end"], table["signal"],
                                                       strict=True))
            if sig and not safe.hidden("value")[i]]
    if not rows:
        return " No month shown is special cause variation."
    return " Special cause months: " + "; ".join(f"{m:%b %Y} ({sig})" for m, sig in rows) + "."


#: each regional funnel's x axis (what its denominator counts)
REGION_FUNNEL_X = {"replan": "Plans started in the period (the share's denominator)",
                   "rate_per_10k": "Children aged 0-17 in the council (ONS mid-year estimate)"}


def region_funnel_chart(funnel: pd.DataFrame, threshold: int | None = None
                        ) -> tuple[Figure, str]:
    """Each council of a region against the pooled region's figure, by its size, with 95% and
    99.8% funnel limits (`regional.funnel`), each dot named; the title names the councils
    outside the 95% limits. With `threshold`, a council whose count or denominator is small
    is not drawn and the alt text says so."""
    from cpmetrics.regional import outside
    from cpmetrics.stats import funnel_limits

    a = funnel.attrs
    measure, what, unit, target = a["measure"], a["what"], a["unit"], a.get("target")
    scale = 1.0 if unit == "%" else 100.0  # funnel_limits works in %; a rate per 10,000 is x100
    safe = _Safe(funnel[["n", "of", "value"]].reset_index(drop=True), threshold,
                 derived=("value",))
    shown = ~safe.hidden("value") & funnel["value"].notna().to_numpy()

    def say(v: float) -> str:
        return f"{v:.1f}%" if unit == "%" else f"{v:.1f} per 10,000"

    fig, ax = _figure(8, 4.8)
    of = pd.to_numeric(funnel["of"], errors="coerce").astype("float64")
    if target is not None and of.notna().any() and of.max() > 0:
        lo = max(1.0, float(of[of > 0].min()) * 0.8)
        grid = np.geomspace(lo, float(of.max()) * 1.2, 200)
        limits = [funnel_limits(target / scale, int(round(x))) for x in grid]
        for key, colour, ls, label in (("95", TURQUOISE, "-", "95% limits"),
                                        ("99_8", DARK_PINK, "--", "99.8% limits")):
            ax.plot(grid, [lim[f"upper_{key}"] * scale for lim in limits], color=colour, lw=1.5,
                    ls=ls, label=label)
            ax.plot(grid, [lim[f"lower_{key}"] * scale for lim in limits], color=colour, lw=1.5,
                    ls=ls)
        ax.axhline(target, color=ORANGE, lw=1.5, label=f"{a.get('region', 'Region')}: "
                                                       f"{say(target)}")
    pts = funnel[shown]
    ax.scatter(pts["of"].astype("float64"), pts["value"], s=60, color=DARK_BLUE, zorder=4,
               label="Council, this period")
    for _, r in pts.iterrows():
        ax.annotate(str(r["council"]), (float(r["of"]), float(r["value"])), xytext=(5, 4),
                    textcoords="offset points", fontsize=FONT - 2, color=DARK_GREY)
    ax.yaxis.grid(True, color=GRID)
    if unit == "%":
        _pct_axis(ax.yaxis)
    ax.set_xlabel(REGION_FUNNEL_X.get(measure, "Denominator"), fontsize=FONT)
    ax.set_ylabel(what if unit == "%" else f"{what}", fontsize=FONT)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    _legend(ax)
    out = outside(funnel, threshold)
    if target is None:
        title = f"{what}: the region has no figure this period"
    elif not out:
        title = f"No council is outside the 95% limits around the region's {say(target)}"
    else:
        title = (f"{len(out)} council{'s are' if len(out) != 1 else ' is'} outside the 95% "
                 f"limits: {', '.join(out)}")
    _title(ax, title)
    words = [f"{r['council']} {say(float(r['value']))} of {int(r['of']):,} ({r['position']})"
             for _, r in pts.iterrows() if pd.notna(r["position"])]
    hidden = [str(r["council"]) for (_, r), s in zip(funnel.iterrows(), shown, strict=True)
              if not s]
    alt = (f"Funnel plot of {len(funnel)} councils' {what.lower()} against their size, with 95% "
           f"and 99.8% limits around the pooled region's "
           f"{say(target) if target is not None else 'figure (none this period)'}. "
           + ("; ".join(words) + "." if words else "")
           + (f" Not drawn (small numbers or nothing to count): {', '.join(hidden)}."
              if hidden else ""))
    return fig, alt
