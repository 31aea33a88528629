"""A region: one folder per council, named by its DfE LA number, and `region.yaml` naming them.

Regional performance hubs pool their councils' child-level returns and run the
same reports for every member council. cpmetrics reads such a pool as a folder:

```
DIR/
  region.yaml      name, optional DfE region code, and the councils (LA number and name)
  350/             that council's data, in any format cpmetrics.sources.load reads
  351/
```

```yaml
name: North West
code: E12000002
councils:
  - la: "350"
    name: Bolton
```

Reading is strict because a council quietly left out would change every pooled
figure: a council folder that `region.yaml` does not list, or a listed council
without its folder, stops the run with one line naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from cpmetrics.benchmarks import la_names
from cpmetrics.errors import InputError
from cpmetrics.settings_file import read_settings

REGION_FILE = "region.yaml"
_LA = re.compile(r"\d{3}")
#: DfE files London's boroughs under Inner (E13000001) and Outer (E13000002) London
LONDON = ("E13000001", "E13000002")


@dataclass(frozen=True)
class Council:
    """One member council: its DfE LA number, its name and the folder holding its data."""

    la: str
    name: str
    data: Path


@dataclass(frozen=True)
class Region:
    """A region's name, its DfE region code (if given), its folder and its councils in LA order."""

    name: str
    code: str | None
    folder: Path
    councils: tuple[Council, ...]

    @property
    def slug(self) -> str:
        """The region's name for folders and addresses: "North West" -> "north-west"."""
        return slug(self.name)

    def council(self, la: str) -> Council:
        """The member council with DfE number `la`."""
        for c in self.councils:
            if c.la == str(la):
                return c
        raise KeyError(la)


def slug(name: str) -> str:
    """Lower case, anything but letters and digits as one hyphen: "North West" -> "north-west"."""
    out = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not out:
        raise ValueError(f"{name!r} has no letters or digits to name a folder by")
    return out


def read_region(folder: str | Path) -> Region:
    """The region in `folder`, checked: each listed council has a folder, and no other is there."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, None, "no such region folder")
    file = folder / REGION_FILE
    raw = read_settings(file, missing="no such file: a region folder needs region.yaml"
                        " (its name and councils)",
                        expects="should hold the keys name and councils",
                        keys=("name", "code", "councils"))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(file, "key name", f"{name!r} is not a region's name")
    try:
        slug(name)
    except ValueError as exc:
        raise InputError(file, "key name", str(exc)) from None
    code = raw.get("code")
    if code is not None and not (isinstance(code, str) and re.fullmatch(r"E1[23]\d{6}", code)):
        raise InputError(file, "key code", f"{code!r} is not a region code such as E12000002")
    listed = raw.get("councils")
    if not isinstance(listed, list) or not listed:
        raise InputError(file, "key councils", "should list the councils (la and name each)")
    known = la_names()
    councils: list[Council] = []
    seen: set[str] = set()
    for i, item in enumerate(listed, start=1):
        place = f"councils item {i}"
        if not isinstance(item, dict) or set(item) - {"la", "name"} or "la" not in item:
            raise InputError(file, place, "should be la: \"NNN\" and name: ...")
        la = str(item["la"]).strip()
        if not _LA.fullmatch(la) or la not in known:
            raise InputError(file, place, f"la {item['la']!r} is not a DfE LA number")
        if la in seen:
            raise InputError(file, place, f"la {la} is listed twice")
        seen.add(la)
        council_name = item.get("name") or known[la]
        if not isinstance(council_name, str):
            raise InputError(file, place, f"name {council_name!r} is not a council's name")
        data = folder / la
        if not data.exists():
            raise InputError(data, None, f"no such folder: region.yaml lists council {la}"
                             f" ({council_name}) but its data are missing")
        councils.append(Council(la, council_name.strip(), data))
    extra = sorted(p.name for p in folder.iterdir()
                   if p.is_dir() and _LA.fullmatch(p.name) and p.name not in seen)
    if extra:
        raise InputError(folder / extra[0], None, f"council folder not listed in {file}"
                         " (add it to councils, or move it out of the region)")
    councils.sort(key=lambda c: c.la)
    return Region(name.strip(), code, folder, tuple(councils))


def write_region(folder: str | Path, name: str, councils: list[tuple[str, str]],
                 code: str | None = None) -> Path:
    """Write `region.yaml` into `folder` (made if missing); the councils' data are the caller's."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    body: dict = {"name": name}
    if code:
        body["code"] = code
    body["councils"] = [{"la": str(la), "name": nm} for la, nm in councils]
    path = folder / REGION_FILE
    text = "# A region for cpmetrics: one folder per council, named by its DfE LA number.\n"
    text += yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def region_code(name: str) -> str:
    """The DfE region code for a region's name or code ("north west" -> E12000002)."""
    from cpmetrics.benchmarks import read_ees

    d3 = read_ees("d3")
    regions = d3[d3["geographic_level"] == "Regional"][["region_code", "region_name"]]
    regions = regions.drop_duplicates()
    wanted = name.strip().lower()
    for rc, rn in zip(regions["region_code"], regions["region_name"], strict=False):
        if wanted in (str(rc).lower(), str(rn).lower()):
            return str(rc)
    names = ", ".join(sorted(set(regions["region_name"].astype(str))))
    raise InputError(None, None, f"unknown region {name!r}; DfE's regions are {names}")


def region_councils(name: str, year: int = 2018) -> list[tuple[str, str]]:
    """The (LA number, name) of a DfE region's councils in collection year `year` (2018 = 2017-18),
    in LA order, from the shipped DfE table D3: North West 2018 has 23."""
    from cpmetrics.benchmarks import read_ees

    code = region_code(name)
    codes = LONDON if code == "E12000007" else (code,)
    d3 = read_ees("d3")
    rows = d3[(d3["geographic_level"] == "Local authority") & d3["region_code"].isin(codes)
              & (d3["time_period"] == int(year))]
    found = sorted(set(zip(rows["area"].astype(str), rows["la_name"].astype(str), strict=False)))
    if not found:
        raise InputError(None, None, f"no councils of {name} in DfE's table D3 for {year}")
    return found


def region_name(name: str) -> str:
    """DfE's spelling of a region's name ("north west" -> "North West")."""
    from cpmetrics.benchmarks import read_ees

    code = region_code(name)
    d3 = read_ees("d3")
    return str(d3.loc[d3["region_code"] == code, "region_name"].iloc[0])
