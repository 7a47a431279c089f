"""The synthetic demo intake: a seeded generator calibrated to published facts (data/demo.toml).

    python -m dashboard.demo [--out FILE] [--principals N] [--seed S]

The 2023 application records are not public; what this writes is synthetic, and the dashboard says
so wherever it shows it. The same generator at a larger `principals` feeds the benchmarks.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.country_codes import to_iso3
from dashboard.ingest.validate import us_state_codes
from dashboard.programs import DATA_DIR, Program, programs

REFERENCE = DATA_DIR / "reference"
DEMO_PARAMS = DATA_DIR / "demo.toml"
DEFAULT_OUT = DATA_DIR / "demo"


@dataclass(frozen=True)
class Mix:
    codes: np.ndarray
    share: np.ndarray
    family_ratio: np.ndarray


def load_params(path: Path = DEMO_PARAMS) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def nationality_mix(year: int) -> Mix:
    """Share of H-1B issuances and the H-4/H-1B ratio per nationality in a calendar year (DOS)."""
    totals: dict[str, dict[str, int]] = {}
    with (REFERENCE / "dos_niv_issuances_h1b_h4_by_nationality_monthly_2017_2025.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not r["month"].startswith(str(year)):
                continue
            code = to_iso3(r["nationality_std"])
            if code is None:
                continue
            slot = totals.setdefault(code, {"H1B": 0, "H4": 0})
            slot[r["visa_class"]] += int(r["issuances"])
    codes = sorted(c for c, v in totals.items() if v["H1B"] > 0)
    h1b = np.array([totals[c]["H1B"] for c in codes], dtype=float)
    h4 = np.array([totals[c]["H4"] for c in codes], dtype=float)
    return Mix(np.array(codes), h1b / h1b.sum(), np.minimum(h4 / h1b, 2.0))


def state_weights(fiscal_year: int) -> tuple[np.ndarray, np.ndarray]:
    """US states weighted by USCIS initial H-1B approvals in a fiscal year (Employer Data Hub)."""
    df = pd.read_csv(REFERENCE / "uscis_h1b_employer_data_hub_summary_by_fy_state.csv")
    # Only codes the export format accepts: the Data Hub also lists XX (unknown) and AE/AP (military mail),
    # which are rare enough to be missed at the demo's size but break a generated intake at scale.
    df = df[(df["fiscal_year"] == fiscal_year) & df["state"].isin(list(us_state_codes())) & (df["initial_approvals"] > 0)]
    w = df["initial_approvals"].to_numpy(dtype=float)
    return df["state"].to_numpy(), w / w.sum()


def arrival_offsets_hours(n: int, prog: Program, p: dict, rng: np.random.Generator) -> np.ndarray:
    """n arrival times (hours after opening, sorted) from a surge-then-settle rate shaped by the day."""
    minutes = np.arange(int(p["portal_hours"] * 60))
    hours = minutes / 60.0
    local_hour = (prog.opens_at.hour + prog.opens_at.minute / 60 + hours) % 24
    diurnal = np.asarray(p["diurnal"], dtype=float)[local_hour.astype(int)]
    surge = 1.0 + (p["surge_peak"] - 1.0) * np.exp(-hours / p["surge_decay_hours"])
    weight = diurnal * surge
    minute = rng.choice(minutes, size=n, p=weight / weight.sum())
    return np.sort((minute + rng.random(n)) / 60.0)


def generate(prog: Program, p: dict, principals: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """One row per application state, in the export format of data/README.md."""
    rng = np.random.default_rng(p["seed"] if seed is None else seed)
    n = int(principals or p["principals"])
    opens_utc = pd.Timestamp(prog.opens_at).tz_convert("UTC")

    if "citizenship_weights" in p:  # an intake with its own (assumed) mix and no family counted
        weights = p["citizenship_weights"]
        share = np.array(list(weights.values()), dtype=float)
        mix = Mix(np.array(list(weights)), share / share.sum(), np.zeros(len(weights)))
    else:
        mix = nationality_mix(p["mix_year"])
    if "state_fiscal_year" in p:
        states, state_w = state_weights(p["state_fiscal_year"])
    else:  # applicants who do not live in the US
        states, state_w = np.array([""]), np.array([1.0])
    prov = p["province_weights"]
    prov_codes, prov_w = np.array(list(prov)), np.array(list(prov.values()), dtype=float)

    # principals
    arrive_h = arrival_offsets_hours(n, prog, p, rng)
    nat_idx = rng.choice(len(mix.codes), size=n, p=mix.share)
    cit = mix.codes[nat_idx]
    birth = cit.copy()
    differs = rng.random(n) < p["birth_differs_share"]
    birth[differs] = mix.codes[rng.choice(len(mix.codes), size=int(differs.sum()), p=mix.share)]
    width = len(str(n * 3))
    pid = np.char.add(f"{prog.id}-P", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    principal = pd.DataFrame({
        "application_id": pid,
        "submitted_at": opens_utc + pd.to_timedelta(arrive_h, unit="h"),
        "applicant_role": "principal",
        "principal_application_id": "",
        "permit_type": p.get("principal_permit", "open_work_permit"),
        "citizenship": cit,
        "birth_country": birth,
        "us_state": states[rng.choice(len(states), size=n, p=state_w)],
        "intended_province": prov_codes[rng.choice(len(prov_codes), size=n, p=prov_w / prov_w.sum())],
    })
    rank = np.arange(1, n + 1)
    over_cap = rank > prog.cap

    # family: Poisson(H-4/H-1B ratio of the nationality), the first a spouse
    fam_n = np.minimum(rng.poisson(mix.family_ratio[nat_idx]), 5) if "family" in p else np.zeros(n, dtype=int)
    owner = np.repeat(np.arange(n), fam_n)
    order = np.arange(len(owner)) - np.repeat(np.cumsum(fam_n) - fam_n, fam_n)
    f = p.get("family", {"same_sitting_share": 1.0, "same_sitting_minutes": 1.0, "later_mean_days": 1.0,
                         "spouse_permit": "work_permit", "dependant_study_share": 0.0})
    m = len(owner)
    same = rng.random(m) < f["same_sitting_share"]
    lag_h = np.where(same, rng.exponential(f["same_sitting_minutes"] / 60, m),
                     np.minimum(rng.exponential(f["later_mean_days"] * 24, m), 360 * 24))
    role = np.where(order == 0, "spouse", "dependant")
    study = rng.random(m) < f["dependant_study_share"]
    permit = np.where(role == "spouse", f["spouse_permit"], np.where(study, "study_permit", "work_permit"))
    fid = np.char.add(f"{prog.id}-F", np.char.zfill(np.arange(1, m + 1).astype(str), width)) if m else \
        np.array([], dtype=str)
    family = pd.DataFrame({
        "application_id": fid,
        "submitted_at": pd.DatetimeIndex(principal["submitted_at"])[owner] + pd.to_timedelta(lag_h, unit="h"),
        "applicant_role": role,
        "principal_application_id": pid[owner],
        "permit_type": permit,
        "citizenship": cit[owner],
        "birth_country": birth[owner],
        "us_state": principal["us_state"].to_numpy()[owner],
        "intended_province": principal["intended_province"].to_numpy()[owner],
    })
    apps = pd.concat([principal, family], ignore_index=True)
    k = len(apps)
    returned = np.concatenate([over_cap & (rng.random(n) < p["processing"]["over_cap_returned_share"]),
                               np.zeros(m, dtype=bool)])

    # status history: submitted, in review, then a decision
    pr = p["processing"]
    review_at = apps["submitted_at"] + pd.to_timedelta(rng.uniform(*pr["review_after_days"], k), unit="D")
    decide_at = review_at + pd.to_timedelta(rng.uniform(*pr["decision_after_days"], k), unit="D")
    outcome = rng.choice(["approved", "refused", "withdrawn"], size=k,
                         p=[pr["approved"], pr["refused"], pr["withdrawn"]])
    outcome[returned] = "withdrawn"
    submitted = apps.assign(status="submitted", status_at=apps["submitted_at"])
    review = apps[~returned].assign(status="in_review", status_at=review_at[~returned])
    decided = apps.assign(status=outcome, status_at=decide_at)
    arrived_at = arrival_times(n, owner, outcome, decide_at.to_numpy(), prog, p, rng)
    came = ~pd.isna(arrived_at)
    # the arrival is a change of the approved application's record: a state of its own, dated when it came
    arrived = apps[came].assign(status="approved", status_at=arrived_at[came], arrived_at=arrived_at[came])
    out = pd.concat([submitted, review, decided, arrived], ignore_index=True)
    out.insert(1, "program_id", prog.id)
    return out.sort_values(["submitted_at", "application_id", "status_at"], ignore_index=True)


def arrival_times(n: int, owner: np.ndarray, outcome: np.ndarray, decide_at: np.ndarray, prog: Program, p: dict,
                  rng: np.random.Generator) -> pd.DatetimeIndex:
    """When each application's holder first entered Canada (NaT: not within the data), calibrated to the
    Niskanen Center's reading of IRCC data (data/demo.toml [arrivals]): a set number of approved principals
    arrive within the program's first year, a set share of them before the end of its opening year; the
    approved family members of an arriving principal come with them or later.

    Applications 0..n-1 are the principals, then the family members (`owner`: their principal's index).
    """
    if "arrivals" not in p:  # an intake with no arrivals calibrated: none is made up
        return pd.DatetimeIndex(np.full(len(outcome), np.datetime64("NaT"), dtype="datetime64[ns]")).tz_localize("UTC")
    a = p["arrivals"]
    decide = pd.DatetimeIndex(decide_at)
    opens = pd.Timestamp(prog.opens_at)
    year_end = (opens + pd.DateOffset(years=1)).tz_convert("UTC")
    new_year = pd.Timestamp(f"{opens.year + 1}-01-01", tz=prog.time_zone).tz_convert("UTC")
    # scaled with the intake, so the benchmarks' larger intakes keep the demo's proportions
    wanted = round(a["first_year_principals"] * n / p["principals"])
    approved = np.flatnonzero((outcome[:n] == "approved") & (decide[:n] < year_end))
    early_pool = approved[decide[approved] < new_year - pd.Timedelta(days=1)]
    early = rng.choice(early_pool, size=min(round(wanted * a["share_in_opening_year"]), len(early_pool)),
                       replace=False)
    late_pool = np.setdiff1d(approved, early)
    late = rng.choice(late_pool, size=min(wanted - len(early), len(late_pool)), replace=False)
    came = np.full(len(outcome), np.datetime64("NaT"), dtype="datetime64[ns]")
    d_early = decide[early]
    came[early] = (d_early + (new_year - d_early) * rng.random(len(early))).tz_convert(None).to_numpy()
    start = decide[late].map(lambda d: max(d, new_year))
    came[late] = (start + (year_end - start) * rng.random(len(late))).tz_convert(None).to_numpy()

    # family: approved members of an arriving principal, with them (within the hour) or later
    fam = np.flatnonzero(~np.isnat(came[owner]) & (outcome[n:] == "approved"))
    ready = np.maximum(came[owner[fam]], decide[n + fam].tz_convert(None).to_numpy())
    with_them = rng.random(len(fam)) < a["family_with_principal_share"]
    lag_h = np.where(with_them, rng.uniform(1 / 60, 1, len(fam)), rng.exponential(a["family_later_mean_days"] * 24,
                                                                             len(fam)))
    came[n + fam] = ready + (lag_h * 3600e9).astype("timedelta64[ns]")
    return pd.DatetimeIndex(came).tz_localize("UTC")


def local_iso(ts: pd.Series, zone: str) -> pd.Series:
    """Times as ISO 8601 wall-clock text in `zone` with the UTC offset (2023-07-16T09:00:00-0400).

    The same text as strftime("%Y-%m-%dT%H:%M:%S%z"), built in numpy: ten times faster, which the
    benchmarks' ten-million-row intakes need.
    """
    utc = ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    local = ts.dt.tz_convert(zone).dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    offset, inverse = np.unique((local - utc).astype("int64") // 60, return_inverse=True)
    text = np.array([f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}{abs(m) % 60:02d}" for m in offset], dtype="U5")[inverse]
    return pd.Series(np.char.add(np.datetime_as_string(local, unit="s"), text), index=ts.index)


def write_csv(df: pd.DataFrame, path: Path, prog: Program, chunk_rows: int = 1_000_000) -> Path:
    """Write the export with times as ISO 8601 in the program's zone, with their UTC offset.

    Written a chunk of rows at a time, so a benchmark intake of millions of rows needs no second copy.
    """
    cols = ["application_id", "program_id", "submitted_at", "applicant_role", "principal_application_id",
            "permit_type", "citizenship", "birth_country", "us_state", "intended_province", "status", "status_at",
            "arrived_at"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        for start in range(0, max(len(df), 1), chunk_rows):
            out = df[cols].iloc[start:start + chunk_rows].copy()
            for col in ("submitted_at", "status_at"):
                out[col] = local_iso(out[col], prog.time_zone)
            known = out["arrived_at"].notna()
            out["arrived_at"] = local_iso(out["arrived_at"][known], prog.time_zone).reindex(out.index, fill_value="")
            out.to_csv(fh, index=False, header=start == 0)
    return path


def demo_export(out_dir: Path = DEFAULT_OUT, principals: int | None = None, seed: int | None = None) -> Path:
    p = load_params()
    prog = programs()[p["program_id"]]
    suffix = "" if principals is None else f"-{principals}"
    return write_csv(generate(prog, p, principals, seed), out_dir / f"{prog.id}{suffix}.csv", prog)


def intakes(path: Path = DEMO_PARAMS) -> list[dict]:
    """The further synthetic intakes of data/demo.toml ([[intake]] tables), each with its own
    program_id and parameters, for the programs that are configured (a test's programs file may
    have none of them)."""
    configured = programs()
    return [p for p in load_params(path).get("intake", []) if p["program_id"] in configured]


def demo_exports() -> list[Path]:
    """The demo intake and every further synthetic intake, one CSV each: what `make run` loads."""
    out = [demo_export()]
    for p in intakes():
        prog = programs()[p["program_id"]]
        out.append(write_csv(generate(prog, p), DEFAULT_OUT / f"{prog.id}.csv", prog))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dashboard.demo", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write the CSV into")
    ap.add_argument("--principals", type=int, help="number of principal applications (default: data/demo.toml)")
    ap.add_argument("--seed", type=int, help="random seed (default: data/demo.toml)")
    args = ap.parse_args(argv)
    path = demo_export(args.out, args.principals, args.seed)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
