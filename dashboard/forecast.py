"""Time to cap: when will the cap-th application arrive? Pure numpy/scipy: no SQL, no Streamlit.

    project_cap(arrivals, cap, as_of, *, opens_at, closes_at=None, seed=0) -> CapProjection

The model (docs/forecast.md explains it with its backtest):

1. The arrivals seen by `as_of` are counted in short bins and fitted with a penalised Poisson
   regression: log rate = smooth level(t) + time of day + day of week. The level is a spline whose
   bends cost something (a straight line in log space is free), so it follows a launch surge that
   fades but not the noise, and whose knots are spaced by their age (fast in the first hours, half a
   day apart later), so that the daily cycle is the profile's, not the level's; the time-of-day
   profile starts from a prior (people apply in their waking hours, in the zone of `as_of`) that
   the data takes over as days are seen; the day of the week starts flat. Bins far above the fit (a news story, a campaign) are clipped and the fit is
   redone, so a one-off burst is not taken for the new normal.
2. The uncertainty of the fit is kept: the current level and its recent trend are drawn from the
   posterior (a lognormal level: the gamma-Poisson, i.e. negative binomial, in another guise).
3. The future level continues the recent trend, damped (a surge fading, a pool running out: the
   trend flattens out instead of running on forever), and wanders as a random walk whose spread
   grows with the horizon measured against the time seen so far, so the method is the same for an
   intake that fills in hours and for one that takes months.
   From 12 hours to 2 days after opening the futures read the level instead as a settled rate plus
   an excess fading from the opening, fitted jointly with the time of day (_fit_rush): the rush fades
   to the settled rate and no further, rather than a trend read against the rush being carried on.
   Given `rush_prior` (learn_rush: what earlier intakes of the kind say of an opening rush's size and
   length, and of the day's profile) that reading is used from the opening, with that prior.
   Given `story_prior` (learn_stories: how often earlier intakes of the kind had a news story and how
   large it was), each future also draws stories still to come, at that rate, on top.
4. For each of `draws` simulated futures the time of the remaining arrivals is exact for a Poisson
   process: the k-th arrival comes when the cumulative rate reaches a Gamma(k, 1) draw. Quantiles
   and P(cap by close) come from these futures. Sampling uses a fixed seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

import numpy as np
import pandas as pd
from scipy import linalg, sparse

# Relative arrival rate by hour of the day before the data has shown its own: people apply in their
# waking hours (an assumption, documented in docs/forecast.md). Mean 1 is not required.
PRIOR_DIURNAL = np.array([0.30, 0.18, 0.12, 0.10, 0.10, 0.15, 0.30, 0.55, 0.80, 0.95, 1.0, 1.0,
                          1.0, 1.0, 1.0, 1.0, 1.0, 0.95, 0.90, 0.90, 0.90, 0.85, 0.70, 0.50])

# Tuned on the backtest (bench/backtest.py); docs/forecast.md gives the figures they reach.
KNOTS = 16  # level spline knots over the time seen
KNOT_MIX = 0.5  # knots: this share placed at quantiles of the arrivals, the rest evenly
KNOT_AGE = 0.25  # a knot is at least this share of its time since opening after the one before ...
KNOT_GAP = 12.0  # ... or this many hours: the level bends on a scale of half a day or more, not the day's cycle
SD_BEND = 0.25  # prior sd of the level's second difference per knot (log scale)
SD_HOUR = 0.6  # prior sd of an hour's effect around the prior profile (log scale) in the first day ...
SD_HOUR_SEEN = 1.2  # ... and once the hours have come round twice (night to day may be 30-50 fold)
SD_HOUR_STEP = 0.35  # prior sd of the change from one hour to the next (log scale)
SD_WEEKDAY = 0.6  # prior sd of a day-of-week effect (log scale)
SD_WEEKDAY_UNSEEN = 0.5  # sd of the day-of-week effects drawn before the weekly pattern is known
TREND_WINDOW = 24.0  # hours: the recent trend compares the mean level of the last day with the day before
SHORT_SPAN = 0.25  # before two days: the last quarter of the time seen against the quarter before
DAMPING = 0.5  # the trend fades over this multiple of the time seen (median; drawn lognormal)
DAMPING_UP = 0.25  # the same for a passing rise
DAMPING_SD = 0.8  # sd of log damping time
MAX_FALL = np.log(8.0)  # a falling trend lowers it at most this much: a floor
WANDER = 0.35  # sd of the level's random walk (log scale) per unit of log(1 + lead / time seen)
WANDER_MIN = 0.25  # the walk's share of WANDER for a level that has not bent at all (_roughness)
# The level as a settled rate plus an excess fading from the opening (_fit_rush) gives the futures of
# an intake seen for RUSH_ON to RUSH_FULL hours, a falling share of them from RUSH_START to RUSH_ON and
# from RUSH_FULL to RUSH_END; outside, the spline's trend. (In the first hours the arrivals cannot tell
# how far below the rush the settled rate lies: read from them, the forecasts were as early and their
# ranges narrower. From four days on the spline reads the trend with windows whole days apart.)
RUSH_START, RUSH_ON, RUSH_FULL, RUSH_END = 8.0, 12.0, 48.0, 96.0
RUSH_TAUS = 16  # time constants of the rush tried: a sixty-fourth of the time seen to ...
RUSH_LONGEST = 8.0  # ... this multiple of it
RUSH_PRIOR = np.log(3.0)  # prior mean of the rush's excess at the opening (log scale): openings come with a rush
SD_RUSH = 1.0  # its prior sd
# The excess is read both ways, multiplying the time of day (a rush by day) and added to the day's
# applicants (an overnight surge on top of them): the added reading's prior weight without earlier
# intakes (with them: RushPrior.added, the share of their evidence for it), never less than ADDED_CLIP
# nor more than 1 - ADDED_CLIP
ADDED_SHARE, ADDED_CLIP = 0.5, 0.02
# learn_rush: an earlier intake is read over its first LEARN_SPAN hours, if it has LEARN_MIN arrivals
# by then; the learned prior's sds are at least these (how much intakes differ is not shown by one)
LEARN_SPAN, LEARN_MIN = 48.0, 50
B_SD_MIN, LOG_TAU_SD_MIN = 0.5, 0.7
# ... and the rush they read is pinned down only if its time constant is at most this share of the
# window read, where the intakes went on past it (RushPrior.pinned)
PINNED = 0.5
JUMP = np.log(1.5)  # a level this much above where it was is a jump (a news story), not a trend
# learn_stories: a story's peak is read over this many hours; the learned sds of its log excess and log
# fade are at least these (a few earlier stories do not show how much stories differ)
STORY_SMOOTH = 6
STORY_SD_MIN, STORY_FADE_SD_MIN = 0.5, 0.7
CLIP_Z = 3.7  # bins this many standard deviations above the first fit are clipped (p about 1e-4)
DRAWS = 2000
HOUR = 3600.0
# hours: stands for "not within the simulated future" in the quantiles; a thousand years, so that every
# moment short of it is a date Python can hold (1e9 hours overflowed when arrivals had long stopped)
NEVER = 24.0 * 365 * 1000


@dataclass(frozen=True)
class FanPoint:
    """When the count is expected to reach `count`: three quantiles (None where after close)."""

    count: int
    p10: datetime | None
    p50: datetime | None
    p90: datetime | None


@dataclass(frozen=True)
class CapProjection:
    """When the cap is (or was) reached, with an 80 % range. Times are in the zone of `as_of`.

    `rate_per_hour` is the model's arrival rate at `as_of` (at that time of day); once the cap is
    reached, the arrivals per hour over the last tenth of the time it took (at least an hour).
    """

    reached_at: datetime | None
    p10: datetime | None
    p50: datetime | None
    p90: datetime | None
    probability_by_close: float | None
    rate_per_hour: float | None
    method: str
    counted: int = 0
    fan: tuple[FanPoint, ...] = ()


def _hours(values: Iterable, origin: pd.Timestamp) -> np.ndarray:
    idx = pd.DatetimeIndex(list(values) if not isinstance(values, (pd.Series, pd.Index, np.ndarray)) else values)
    if len(idx) == 0:
        return np.zeros(0)
    if idx.tz is None:
        raise ValueError("arrival times must be timezone-aware")
    return ((idx.tz_convert("UTC") - origin) / pd.Timedelta(hours=1)).to_numpy(dtype=float)


def reached_moment(arrivals: Iterable, cap: int, *, opens_at: datetime, as_of: datetime | None = None
                   ) -> datetime | None:
    """The submission time of the cap-th arrival from `opens_at` (up to `as_of`), or None."""
    origin = pd.Timestamp(opens_at).tz_convert("UTC")
    h = np.sort(_hours(arrivals, origin))
    h = h[h >= 0]
    if as_of is not None:
        h = h[h <= (pd.Timestamp(as_of).tz_convert("UTC") - origin) / pd.Timedelta(hours=1)]
    if cap < 1 or len(h) < cap:
        return None
    zone = (as_of or opens_at).tzinfo
    return _moment(origin, h[cap - 1], zone)


def _moment(origin: pd.Timestamp, hours: float, zone: tzinfo) -> datetime:
    return (origin.to_pydatetime(warn=False) + timedelta(hours=float(hours))).astimezone(zone)


# ---------------------------------------------------------------- the periodic profile

def _clock(origin: pd.Timestamp, hours: np.ndarray, zone: tzinfo) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock hour of the day (fractional) and day of the week (Monday 0) in `zone`."""
    ts = pd.DatetimeIndex(origin + pd.to_timedelta(hours * HOUR, unit="s")).tz_convert(zone)
    return (ts.hour + ts.minute / 60.0 + ts.second / HOUR).to_numpy(dtype=float), ts.day_of_week.to_numpy()


# A calendar of open hours: given aware times, which of them the portal accepts applications at
# (dashboard.programs.Accepts is one). None: open around the clock.
Calendar = Callable[[pd.DatetimeIndex], np.ndarray]
OPEN_STEP = 5.0 / 60  # hours: the calendar is read every five minutes


def _open_share(origin: pd.Timestamp, edges: np.ndarray, accepts: Calendar | None) -> np.ndarray:
    """The share of each interval [edges[i], edges[i+1]] (hours since opening) that is open."""
    n = len(edges) - 1
    if accepts is None or n <= 0:
        return np.ones(max(n, 0))
    width = np.diff(edges)
    parts = np.maximum(np.ceil(width / OPEN_STEP - 1e-9).astype(int), 1)
    cell = np.repeat(np.arange(n), parts)
    offset = np.arange(len(cell)) - np.repeat(np.cumsum(parts) - parts, parts)
    at = edges[cell] + (offset + 0.5) * (width[cell] / parts[cell])
    is_open = np.asarray(accepts(pd.DatetimeIndex(origin + pd.to_timedelta(at * HOUR, unit="s"))), dtype=float)
    return np.bincount(cell, weights=is_open, minlength=n) / parts


def _openings_and_closings(origin: pd.Timestamp, start: float, end: float, accepts: Calendar | None) -> np.ndarray:
    """The moments (hours since opening) in [start, end] at which the calendar opens or closes, read on
    the clock's five-minute marks (where rules in hours and minutes change), so that no cell of the
    futures straddles one: no arrival is placed in closed time."""
    if accepts is None or end <= start:
        return np.zeros(0)
    first = (origin + pd.Timedelta(hours=start)).ceil("5min")
    marks = pd.date_range(first, origin + pd.Timedelta(hours=end), freq="5min")
    if len(marks) < 2:
        return np.zeros(0)
    state = np.asarray(accepts(marks), dtype=bool)
    change = np.flatnonzero(state[1:] != state[:-1]) + 1
    return ((marks[change] - origin) / pd.Timedelta(hours=1)).to_numpy(dtype=float)


def _hour_blend(hod: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hour whose centre is at or before each time of day, and the share of the next one."""
    x = (hod - 0.5) % 24.0
    return np.floor(x).astype(int) % 24, x - np.floor(x)


def _hour_weights(hod: np.ndarray) -> np.ndarray:
    """Linear interpolation between hour centres, around the clock: (n, 24) weights."""
    lo, frac = _hour_blend(hod)
    w = np.zeros((len(hod), 24))
    rows = np.arange(len(hod))
    w[rows, lo] += 1.0 - frac
    w[rows, (lo + 1) % 24] += frac
    return w


@dataclass(frozen=True)
class _Rush:
    """The level as a settled rate plus an excess fading from the opening, fitted jointly with the time
    of day: log rate = c + b exp(-t / tau) + time of day + day of week, for one time constant `tau`.
    theta is (c, b, 24 hour effects, 7 weekday effects); `weight` its posterior share among the taus."""

    tau: float
    theta: np.ndarray
    cov: np.ndarray
    weight: float
    # the excess added to the day's applicants (rate = settled x profile + e^(c + b) e^(-t / tau)), not
    # multiplied with the time of day (log rate = c + b e^(-t / tau) + time of day)
    added: bool = False


@dataclass(frozen=True)
class RushPrior:
    """What earlier intakes say about an opening rush (learn_rush): the log excess of the opening's rate
    over the settled rate's mean over the day (`b`; log rate = settled + b exp(-t / tau)) and the log of its time
    constant in hours (`log_tau`), each a mean and an sd across the earlier intakes and their fits'
    own doubt. Given to project_cap, it replaces the vague prior of the rush fit, which is then used
    from the opening: the first hours' arrivals cannot tell how far below the rush the settled rate
    lies, an earlier intake of the kind can."""

    b_mean: float
    b_sd: float
    log_tau_mean: float
    log_tau_sd: float
    intakes: int = 1
    # the earlier intakes' daily profile (24 log effects by hour, their day's mean rate 1): the settled
    # rate is read on it, and the forecast takes it for its prior profile, fully from the first hour
    profile: tuple[float, ...] | None = None
    # the share of the earlier intakes' evidence for an excess added to the day's applicants (an
    # overnight surge on top of them) rather than multiplying the time of day (a rush by day): the
    # prior odds of the two readings in the forecast; None: even odds
    added: float | None = None
    # that reading's own excess and time constant (b_mean, b_sd, log_tau_mean, log_tau_sd); None: as above
    added_rush: tuple[float, float, float, float] | None = None
    # the sd of each day of the week's effect (Monday first) drawn before the weekly pattern is seen,
    # as the earlier intakes' day-to-day changes show it on the days they covered (SD_WEEKDAY_UNSEEN
    # on the others); None: SD_WEEKDAY_UNSEEN on all (_weekday_spread)
    weekday_sd: tuple[float, ...] | None = None
    # whether the earlier intakes pin the rush down (learn_rush, PINNED): if not, the forecast reads its
    # rush as without earlier intakes (the vague prior, from RUSH_START hours), and takes only the
    # profile and the weekday doubt from them
    pinned: bool = True


@dataclass(frozen=True)
class StoryPrior:
    """What earlier intakes say about news stories (learn_stories): how often one comes, as `stories`
    jumps of the level (_jump) read over `intakes` intakes' worth of arrivals that were not a story's
    (a rate per share of the intake, of its cap: a story comes at some point of an intake, whatever its
    size and pace), and how large one is: the log of its excess arrivals in hours of the level before
    it (`log_excess`, mean and sd) and the log of the time constant in hours it fades with
    (`log_fade`). Given to project_cap, each simulated future draws stories still to come at that rate
    (a story seen in this intake counts as evidence of it) with sizes and fades drawn from these."""

    stories: int
    intakes: float
    log_excess: tuple[float, float]
    log_fade: tuple[float, float]


@dataclass
class _Fit:
    theta: np.ndarray
    cov: np.ndarray
    knots: np.ndarray
    clipped: int
    weekly_known: float  # 0 before a week has been seen, 1 from two weeks on
    prior_weight: float = 1.0  # how much of the prior daily profile the fit assumes
    prior_log: np.ndarray = field(default_factory=lambda: np.log(PRIOR_DIURNAL))  # that profile (log, by hour)
    learned: bool = False  # the prior profile is the earlier intakes' (RushPrior.profile)
    rush: tuple[_Rush, ...] = ()  # the settled rate plus a fading excess, one fit per time constant
    rush_weight: float = 0.0  # the share of the futures drawn from `rush`
    unseen_sd: np.ndarray | None = None  # the sd of the weekday effects drawn (RushPrior.weekday_sd)

    @property
    def f(self) -> np.ndarray:
        return self.theta[: len(self.knots)]

    @property
    def hour(self) -> np.ndarray:
        k = len(self.knots)
        return self.theta[k: k + 24]

    @property
    def weekday(self) -> np.ndarray:
        k = len(self.knots)
        return self.theta[k + 24: k + 31]

    def log_profile(self, hod: np.ndarray, dow: np.ndarray) -> np.ndarray:
        hw = _hour_weights(hod)
        return hw @ (self.prior_weight * self.prior_log + self.hour) + self.weekday[dow]


def _spline_weights(t: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Piecewise-linear (hat) basis on `knots`, evaluated at `t`: (n, K)."""
    k = len(knots)
    pos = np.clip(np.interp(t, knots, np.arange(k)), 0, k - 1)
    lo = np.minimum(np.floor(pos).astype(int), k - 2)
    frac = pos - lo
    w = np.zeros((len(t), k))
    rows = np.arange(len(t))
    w[rows, lo] = 1.0 - frac
    w[rows, lo + 1] = frac
    return w


def _penalty(knots: np.ndarray, sd_weekday: float, sd_hour: float = SD_HOUR) -> np.ndarray:
    """Prior precision of the parameters: bends of the level, hour and weekday effects."""
    k = len(knots)
    p = k + 31
    q = np.zeros((p, p))
    d2 = np.zeros((max(k - 2, 0), k))
    h = np.diff(knots)
    mean_h = knots[-1] / (k - 1)
    for i in range(k - 2):
        # the change of slope at knot i+1, scaled so that even knots give (1, -2, 1)
        row = np.array([1 / h[i], -1 / h[i] - 1 / h[i + 1], 1 / h[i + 1]])
        d2[i, i:i + 3] = row * mean_h**1.5 / np.sqrt((h[i] + h[i + 1]) / 2)
    q[:k, :k] += d2.T @ d2 / SD_BEND**2
    q[:k, :k] += np.eye(k) * 1e-6  # a vague prior on the level keeps the posterior proper
    h = slice(k, k + 24)
    d1 = np.eye(24) - np.roll(np.eye(24), 1, axis=1)
    q[h, h] += np.eye(24) / sd_hour**2 + d1.T @ d1 / SD_HOUR_STEP**2 + np.ones((24, 24)) / (24 * 0.05**2)
    w = slice(k + 24, k + 31)
    q[w, w] += np.eye(7) / sd_weekday**2 + np.ones((7, 7)) / (7 * 0.05**2)
    return q


def _fit(counts: np.ndarray, exposure: np.ndarray, design: sparse.csr_array, q: np.ndarray, start: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """Penalised Poisson regression by Newton's method: the posterior mode and its covariance.

    The design is sparse (five non-zeros a row), which also keeps the work off multithreaded BLAS."""
    theta = start.copy()
    offset = np.log(exposure)
    design_t = design.T.tocsr()

    def objective(th: np.ndarray) -> float:
        eta = design @ th + offset
        return float(np.sum(np.exp(eta) - counts * eta) + 0.5 * th @ q @ th)

    def grad_info(th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu = np.exp(design @ th + offset)
        return design_t @ (mu - counts) + q @ th, (design_t @ (design * mu[:, None])).toarray() + q

    theta, _ = _newton(theta, objective, grad_info, 50)
    cov = linalg.inv(grad_info(theta)[1])
    return theta, (cov + cov.T) / 2


def _newton(theta: np.ndarray, objective: Callable[[np.ndarray], float],
            grad_info: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], steps: int) -> tuple[np.ndarray, float]:
    """Minimise a penalised likelihood by damped Newton (or Fisher scoring) steps, halving a step until it
    gains a quarter of what it promised; `grad_info` gives the gradient and the (expected) information.
    Returns the minimum found and the objective there."""
    value = objective(theta)
    for _ in range(steps):
        grad, info = grad_info(theta)
        step = linalg.solve(info, grad, assume_a="pos")
        decrement = float(grad @ step)  # twice the expected gain of a full step
        if decrement < 1e-8 * max(1.0, abs(value)):
            break
        t = 1.0
        while t > 1e-4:
            cand = theta - t * step
            cv = objective(cand)
            if np.isfinite(cv) and cv <= value - 0.25 * t * decrement:
                break
            t /= 2
        else:
            break
        theta, value = cand, cv
    return theta, value


def _bin_minutes(elapsed_h: float) -> float:
    for m in (60, 30, 20, 15, 10, 5, 2, 1):
        if elapsed_h * 60 / m >= 60:
            return m
    return max(elapsed_h * 60 / 60, 1 / 60)


def fit_rate(hours: np.ndarray, elapsed: float, origin: pd.Timestamp, zone: tzinfo,
             accepts: Calendar | None = None, rush_prior: RushPrior | None = None, always_rush: bool = False,
             *, with_rush: bool = True) -> _Fit:
    """The penalised Poisson fit of arrivals at `hours` (since opening) over [0, elapsed]; with `with_rush`
    False, without the rush fit (_fit_rush) whatever the time seen (learn_stories reads the level only)."""
    width = _bin_minutes(elapsed) / 60.0
    nbins = max(int(np.ceil(elapsed / width - 1e-9)), 1)
    edges = np.minimum(np.arange(nbins + 1) * width, elapsed)
    edges[-1] = elapsed
    counts = np.histogram(hours, bins=edges)[0].astype(float)
    # closed time is no exposure (a bin with arrivals in it keeps a little, should the calendar be wrong)
    share = _open_share(origin, edges, accepts)
    exposure = np.diff(edges) * np.where(counts > 0, np.maximum(share, 0.1), share)
    keep = exposure > 1e-9
    counts, exposure, lo = counts[keep], exposure[keep], edges[:-1][keep]
    mid = lo + exposure / 2
    hod, dow = _clock(origin, mid, zone)
    k = int(min(KNOTS, max(3, len(counts) // 2)))
    hw = _hour_weights(hod)
    # The prior daily profile counts in the fit for the share of a day seen: in the first hours a high
    # rate at night is as likely an opening surge (people staying up for it) as the level the morning
    # will multiply, so the level follows the arrivals as they came (the futures draw the profile's
    # strength, _simulate).
    # Earlier intakes of the kind (rush_prior.profile) show the day's profile: it holds from the first hour.
    learned = rush_prior is not None and rush_prior.profile is not None
    profile = np.asarray(rush_prior.profile) if learned else np.log(PRIOR_DIURNAL)
    weight = 1.0 if learned else float(np.clip(elapsed / 24.0, 0.0, 1.0))
    prior_log = weight * (hw @ profile)
    exposure_p = exposure * np.exp(prior_log)
    start = np.log(max(len(hours), 0.5) / exposure_p.sum())
    # Until two weeks have been seen a weekday's difference cannot be told from a trend: the weekday
    # effects are held near zero, and the simulation draws them instead (weekly_known).
    known = float(np.clip(elapsed / (7 * 24) - 1.0, 0.0, 1.0))
    # In the first day an hour's effect cannot be told from the level at that moment (an opening rush
    # at 09:00 would read as a busy hour): it keeps near the prior profile. Once the hours have come
    # round again the data can show a cycle much deeper than the prior's (office hours: a night 30 to
    # 50 times quieter than the day), which the level would otherwise follow down each night.
    sd_hour = SD_HOUR + (SD_HOUR_SEEN - SD_HOUR) * float(np.clip(elapsed / 24.0 - 1.0, 0.0, 1.0))

    def fit(knots: np.ndarray, counts: np.ndarray, warm: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        design = sparse.csr_array(np.hstack([_spline_weights(mid, knots), hw, np.eye(7)[dow]]))
        q = _penalty(knots, SD_WEEKDAY * max(known, 0.05), sd_hour)
        if warm is None:
            warm = np.zeros(design.shape[1])
            warm[:len(knots)] = start
        theta, cov = _fit(counts, exposure_p, design, q, warm)
        return theta, cov, design

    # First with even knots: a one-off burst is replaced by what the fit without it expects. The fit
    # without a bin comes from the fit with it in one Newton step (its leverage), since a spline's end
    # can otherwise chase a burst at the end of the data.
    clipped = np.zeros(len(counts), dtype=bool)
    raw = counts
    theta = None
    for _ in range(4):
        theta, cov, design = fit(np.linspace(0.0, elapsed, k), counts, theta)
        mu = np.exp(design @ theta) * exposure_p
        g = ((design @ cov) * design.toarray()).sum(axis=1)  # x' cov x, row by row
        lev = np.clip(mu * g, 0.0, 0.99)
        mu_without = mu * np.exp(-np.clip(g * (counts - mu) / (1.0 - lev), -20.0, 20.0))
        ceiling = mu_without + CLIP_Z * np.sqrt(mu_without) + CLIP_Z**2 / 3  # the Poisson upper tail, near enough
        over = raw > np.maximum(ceiling, 2.0 * mu_without + 3.0)
        if not (over & ~clipped).any() and not clipped.any():
            break
        clipped |= over
        counts = np.where(clipped, np.minimum(mu_without, raw), raw)  # a burst counts as an ordinary bin
    # Then the knots sit where the (clipped) arrivals are, mixed with even spacing: the level can bend
    # where the data say much, and cannot follow the quiet night down (the profile has to).
    probs = np.linspace(0.0, 1.0, k)
    mass = np.concatenate([[0.0], np.cumsum(counts)])
    where = np.interp(probs * mass[-1], mass, np.concatenate([[0.0], lo + exposure]))
    knots = (1 - KNOT_MIX) * probs * elapsed + KNOT_MIX * where
    knots[0], knots[-1] = 0.0, elapsed
    knots = _spaced(np.unique(np.round(np.maximum.accumulate(knots), 9)))
    theta, cov, _ = fit(knots, counts)
    weekday_sd = None if rush_prior is None else rush_prior.weekday_sd
    # a rush the earlier intakes do not pin down (learn_rush) is read as without them: their day's profile
    # and weekday doubt are kept (read with it, the closed-hours family's first forecasts took the
    # learned fade of 32 to 48 hours for their own, and came late: P50 at 1.5 to 5 times the time left)
    if rush_prior is not None and not rush_prior.pinned:
        rush_prior = None
    share = 1.0 if always_rush else _rush_share(elapsed, rush_prior is not None) if with_rush else 0.0
    added_prior = rush_prior
    if rush_prior is not None and rush_prior.added_rush is not None:
        b_m, b_s, t_m, t_s = rush_prior.added_rush
        added_prior = replace(rush_prior, b_mean=b_m, b_sd=b_s, log_tau_mean=t_m, log_tau_sd=t_s)
    if learned and rush_prior is not None:
        # the learned excess is over the day's mean rate: over the rate at this opening's hour, it is
        # that much more where the hour is quiet (an excess added to the day's applicants is over the
        # day's mean rate as it stands)
        rush_prior = replace(rush_prior, b_mean=rush_prior.b_mean - float(_at_opening(origin, zone) @ profile))
    rush = _fit_rush(counts, exposure_p, mid, hw, dow, elapsed, sd_hour, known, rush_prior,
                     raw=exposure, added_prior=added_prior) if share > 0 else ()
    unseen_sd = None if weekday_sd is None else np.asarray(weekday_sd)
    return _Fit(theta, cov, knots, int(clipped.sum()), known, weight, profile, learned, rush, share if rush else 0.0,
                unseen_sd)


def _at_opening(origin: pd.Timestamp, zone: tzinfo) -> np.ndarray:
    """The weights of the hours of the day (_hour_weights) at the opening's time of day in `zone`."""
    return _hour_weights(_clock(origin, np.array([0.0]), zone)[0])[0]


def _rush_share(elapsed: float, learned: bool = False) -> float:
    """The share of the futures drawn from the settled rate plus a fading excess (RUSH_START to RUSH_END;
    from the opening when earlier intakes say how large and how long a rush is: `learned`)."""
    rising = 1.0 if learned else (elapsed - RUSH_START) / (RUSH_ON - RUSH_START)
    falling = (RUSH_END - elapsed) / (RUSH_END - RUSH_FULL)
    return float(np.clip(min(rising, falling), 0.0, 1.0))


def _fit_rush(counts: np.ndarray, exposure: np.ndarray, mid: np.ndarray, hw: np.ndarray, dow: np.ndarray,
              elapsed: float, sd_hour: float, known: float, learned: RushPrior | None = None, *,
              raw: np.ndarray | None = None, added_prior: RushPrior | None = None) -> tuple[_Rush, ...]:
    """The level as a settled rate plus an excess fading from the opening, fitted jointly with the time
    of day for each time constant of a grid (a sixty-fourth of the time seen to eight times it), each
    weighted by its Laplace marginal likelihood: a rush decays, the daily cycle comes round again, so
    the two are told apart as the hours are seen. The excess at the opening has a prior (log scale,
    mean RUSH_PRIOR, sd SD_RUSH): an opening comes with a rush. With `learned` (earlier intakes), the
    excess and the time constant have the prior the earlier intakes give instead.

    Given `raw` (the bins' open time, without the prior profile), the excess is also read as added to
    the day's applicants, rate = e^c (profile) + e^(c + b) e^(-t / tau) (_fit_added; `added_prior` its
    prior, over the day's mean rate), the reading of an overnight surge: read as multiplying the time
    of day, a surge at night, 50 times the night's applicants, had its tail multiplied by the morning's
    rise. Each reading's time constants are weighted by their evidence, the two readings by their prior
    odds and, for the share of a day seen, their evidence."""
    # before the hours have come round, an hour's effect is what the rush is (they cannot be told apart):
    # it keeps near the prior profile for the share of a day not seen
    q = _penalty(np.array([0.0, elapsed]), SD_WEEKDAY * max(known, 0.05),
                 sd_hour * float(np.clip(elapsed / 24.0, 0.1, 1.0)))
    b_mean, b_sd = (learned.b_mean, learned.b_sd) if learned is not None else (RUSH_PRIOR, SD_RUSH)
    q[1, 1] += 1.0 / b_sd**2
    base = np.hstack([np.ones((len(mid), 1)), np.zeros((len(mid), 1)), hw, np.eye(7)[dow]])
    warm = np.zeros(q.shape[0])
    warm[0] = np.log(max(counts.sum(), 0.5) / exposure.sum())
    prior = np.zeros(q.shape[0])
    prior[1] = b_mean
    taus = elapsed * np.exp(np.linspace(np.log(1 / 64), np.log(RUSH_LONGEST), RUSH_TAUS))
    if learned is not None:
        # the earlier intakes' time constants, on a grid around them (in hours, not the time seen)
        span = 2.5 * learned.log_tau_sd
        taus = np.exp(np.linspace(learned.log_tau_mean - span, learned.log_tau_mean + span, RUSH_TAUS))
    out = []
    for tau in taus:
        base[:, 1] = np.exp(-mid / tau)
        design = sparse.csr_array(base)
        # the excess is b = b_mean + theta[1]: its prior mean is carried in the exposure
        offset = exposure * np.exp(b_mean * base[:, 1])
        theta, cov = _fit(counts, offset, design, q, warm)
        eta = design @ theta + np.log(offset)
        theta = theta.copy()
        theta[1] += b_mean
        evidence = float(np.sum(counts * eta - np.exp(eta)) - 0.5 * (theta - prior) @ q @ (theta - prior)
                         + 0.5 * np.linalg.slogdet(cov)[1])
        if learned is not None:  # the grid is even in log tau: the prior's density is the weight
            evidence -= 0.5 * ((np.log(tau) - learned.log_tau_mean) / learned.log_tau_sd) ** 2
        out.append((tau, theta, cov, evidence, False))
    if raw is not None:
        a_mean = added_prior.b_mean if added_prior is not None else b_mean
        share = ADDED_SHARE if added_prior is None or added_prior.added is None else added_prior.added
        share = float(np.clip(share, ADDED_CLIP, 1.0 - ADDED_CLIP))
        odds = share / (1.0 - share)
        norm_b = 0.0  # (the priors' normalising constants, where the two readings' sds differ)
        a_prior = prior.copy()
        a_prior[1] = a_mean
        base[:, 1] = 0.0
        a_q = q.copy()
        if added_prior is not None:
            a_q[1, 1] += 1.0 / added_prior.b_sd**2 - 1.0 / b_sd**2
            norm_b = np.log(b_sd / added_prior.b_sd)
            span = 2.5 * added_prior.log_tau_sd
            taus = np.exp(np.linspace(added_prior.log_tau_mean - span, added_prior.log_tau_mean + span, RUSH_TAUS))
        for tau in taus:
            g = np.exp(-mid / tau) * raw
            theta, cov, evidence = _fit_added(counts, exposure, g, base, a_q, a_prior, warm, a_mean)
            if added_prior is not None:
                evidence -= 0.5 * ((np.log(tau) - added_prior.log_tau_mean) / added_prior.log_tau_sd) ** 2
            out.append((tau, theta, cov, evidence + norm_b, True))
    ev = np.array([o[3] for o in out])
    form = np.array([o[4] for o in out])
    w = np.exp(ev - ev.max())
    if form.any():
        # Each reading's time constants by their evidence; the two readings by the prior odds (earlier
        # intakes' share) and, as the hours are seen, their evidence: in the first hours an excess
        # multiplying the morning's rise and one added to it differ by what the priors make of them, not
        # by what the arrivals say (read from the first hours alone, a rush by day was taken for an
        # added one, and the forecasts came early); the day's cycle coming round tells them apart.
        sums = np.array([w[form == f].sum() for f in (False, True)])
        w[~form] /= sums[0]
        w[form] /= sums[1]
        seen = float(np.clip(elapsed / 24.0, 0.0, 1.0))
        log_odds = np.log(odds) + seen * float(np.log(sums[1]) - np.log(sums[0]))
        p_added = 1.0 / (1.0 + np.exp(-log_odds))
        w *= np.where(form, p_added, 1.0 - p_added)
    w /= w.sum()
    return tuple(_Rush(tau, theta, cov, float(wi), added) for (tau, theta, cov, _, added), wi in zip(out, w, strict=True))


def _fit_added(counts: np.ndarray, exposure: np.ndarray, g: np.ndarray, base: np.ndarray, q: np.ndarray,
               prior: np.ndarray, warm: np.ndarray, b_mean: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The settled rate times the time of day plus an excess added to it: mu = exposure e^(x theta) +
    g e^(c + b) (x without the excess's column; g the excess's fading times the bin's open time), by
    Fisher scoring on the penalised likelihood (prior mean `prior`, precision `q`). Returns the mode,
    its covariance (the inverse Fisher information plus q) and its Laplace evidence."""
    theta = warm.copy()
    theta[1] = b_mean
    unit = np.zeros(len(theta))
    unit[:2] = 1.0

    def parts(th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return exposure * np.exp(np.clip(base @ th, -700, 700)), g * np.exp(min(th[0] + th[1], 700.0))

    def objective(th: np.ndarray) -> float:
        a, b = parts(th)
        mu = a + b
        d = th - prior
        return float(np.sum(mu - counts * np.log(np.maximum(mu, 1e-300))) + 0.5 * d @ q @ d)

    def grad_info(th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = parts(th)
        mu = np.maximum(a + b, 1e-300)
        jac = base * a[:, None] + np.outer(b, unit)
        grad = jac.T @ (1.0 - counts / mu) + q @ (th - prior)
        return grad, (jac.T * (1.0 / mu)) @ jac + q

    theta, value = _newton(theta, objective, grad_info, 60)
    _, info = grad_info(theta)
    cov = linalg.inv(info)
    cov = (cov + cov.T) / 2
    evidence = -value + 0.5 * np.linalg.slogdet(cov)[1]
    return theta, cov, float(evidence)


def learn_rush(intakes: Iterable[tuple[Iterable, datetime, datetime]], *, accepts: Calendar | None = None
               ) -> RushPrior | None:
    """The rush prior (RushPrior) learned from earlier intakes, each given as (arrivals, opens_at, until):
    the arrivals counting toward its cap and the moment they are complete up to (its cap moment, its
    close), aware, `until` in the zone whose time of day applies. Each is read over its first
    LEARN_SPAN hours at most (the rush is over by then; later a pool running out would read as one)
    with the settled rate plus a fading excess (_fit_rush, its vague prior); the prior's mean is the
    mean of their estimates, its sd their spread and their own doubt together, at least B_SD_MIN and
    LOG_TAU_SD_MIN (one or two earlier intakes do not show how much intakes differ). None when no
    earlier intake has enough arrivals to read (LEARN_MIN), or when they show no rush: its excess at
    the opening less than one sd above none (a pool running out from the first hour is not a rush
    fading to a settled rate, and read as one its forecasts came earlier).

    The rush is not pinned down (`RushPrior.pinned` False: the forecast then takes only the day's
    profile and the weekday doubt from the earlier intakes) when its learned time constant is longer
    than PINNED times the LEARN_SPAN window the intakes that went on past it were read over: such a
    window shows a decline, not where it ends (the closed-hours family's rushes fade over 2 to 24
    hours, read as 32 to 48 from 26 to 719 arrivals in 48 hours, 16 to 48 of them open)."""
    reads: dict[bool, list[tuple[float, float, float, float]]] = {False: [], True: []}
    shapes, adds, changes, cut = [], [], [], []
    for arrivals, opens_at, until in intakes:
        origin = pd.Timestamp(opens_at).tz_convert("UTC")
        whole = (pd.Timestamp(until).tz_convert("UTC") - origin) / pd.Timedelta(hours=1)
        hours = np.sort(_hours(arrivals, origin))  # once: `arrivals` may be an iterator, read only once
        changes.append(_day_changes(hours, whole, origin, until.tzinfo, accepts))
        span = min(whole, LEARN_SPAN)
        h = hours[(hours >= 0) & (hours <= span)]
        if span <= 0 or len(h) < LEARN_MIN:
            continue
        if whole > span:
            cut.append(span)
        fit = fit_rate(h, span, origin, until.tzinfo, accepts, always_rush=True)
        w = np.array([r.weight for r in fit.rush])
        at_open = _at_opening(origin, until.tzinfo)
        profiles = np.array([fit.prior_weight * fit.prior_log + r.theta[2:26] for r in fit.rush])
        norm = np.log(np.mean(np.exp(profiles), axis=1))
        profiles -= norm[:, None]  # the day's mean rate 1
        shapes.append(w @ profiles)
        # the opening's excess over the settled rate's mean over the day (not over its rate at the
        # opening's hour): a surge comes on top of the applicants of that hour, as large at night as
        # by day, and the next intake may open at another hour; a forecast's first hours cannot tell
        # the time of day's part from the rush's either, and read the two together (an excess added
        # to the day's applicants is over that mean already)
        added = np.array([r.added for r in fit.rush])
        bs = np.array([r.theta[1] for r in fit.rush]) + np.where(added, -norm, profiles @ at_open)
        lt = np.log([r.tau for r in fit.rush])
        var = np.array([r.cov[1, 1] for r in fit.rush])
        adds.append(float(w @ added))
        # each reading (multiplying the time of day, added to it) learned on its own fits
        for form in (False, True):
            wf = np.where(added == form, w, 0.0)
            if wf.sum() <= 0:
                continue
            wf = wf / wf.sum()
            mb, mt = float(wf @ bs), float(wf @ lt)
            reads[form].append((mb, mt, float(wf @ (var + (bs - mb) ** 2)), float(wf @ (lt - mt) ** 2)))
    if not shapes:
        return None

    def prior(rows: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float] | None:
        if not rows:
            return None
        b, tau, var_b, var_tau = (np.array(c) for c in zip(*rows, strict=True))
        n = len(b)
        # the spread of a next intake around the mean of n: (1 + 1/n) times theirs, plus their own doubt
        sd_b = np.sqrt(np.mean(var_b) + ((1 + 1 / n) * np.var(b, ddof=1) if n > 1 else 0.0))
        sd_tau = np.sqrt(np.mean(var_tau) + ((1 + 1 / n) * np.var(tau, ddof=1) if n > 1 else 0.0))
        if np.mean(b) < max(sd_b, B_SD_MIN):
            return None
        return float(np.mean(b)), float(max(sd_b, B_SD_MIN)), float(np.mean(tau)), float(max(sd_tau, LOG_TAU_SD_MIN))

    times, plus = prior(reads[False]), prior(reads[True])
    if times is None:
        return None
    # one profile for all (their mean, the day's mean rate 1)
    profile = np.mean(shapes, axis=0)
    profile -= np.log(np.mean(np.exp(profile)))
    pinned = not cut or float(np.exp(times[2])) <= PINNED * float(np.median(cut))
    return RushPrior(*times, len(shapes), tuple(float(x) for x in profile),
                     float(np.mean(adds)) if plus is not None else 0.0, plus, _weekday_spread(changes), pinned)


def _day_changes(hours: np.ndarray, whole: float, origin: pd.Timestamp, zone: tzinfo, accepts: Calendar | None
                 ) -> list[tuple[int, float, float]]:
    """An earlier intake's changes from one whole local day to the next, from its second day on (the
    first is the rush's): (the later day's weekday, the change of log rate per open hour, its Poisson
    variance), for days with an hour open and an arrival at least."""
    local = origin.tz_convert(zone)
    first = (local + pd.Timedelta(hours=24)).ceil("D")
    end = (origin + pd.Timedelta(hours=whole)).tz_convert(zone)
    days = pd.date_range(first, end, freq="D")  # local midnights (a day may be 23 or 25 hours)
    if len(days) < 3:
        return []
    edges = ((days - origin) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
    counts = np.histogram(hours, bins=edges)[0].astype(float)
    fine = np.arange(edges[0], edges[-1] + 0.25, 0.25)
    share = _open_share(origin, fine, accepts)
    open_h = np.array([np.sum(share[(fine[:-1] >= a) & (fine[:-1] < b)]) * 0.25 for a, b in zip(edges[:-1], edges[1:], strict=True)])
    ok = (open_h >= 1.0) & (counts >= 1)
    rate = np.log(np.where(ok, counts, 1.0) / np.maximum(open_h, 1e-9))
    out = []
    dow = days[:-1].day_of_week
    for i in range(1, len(counts)):
        if ok[i] and ok[i - 1]:
            out.append((int(dow[i]), float(rate[i] - rate[i - 1]), float(1 / counts[i] + 1 / counts[i - 1])))
    return out


def _weekday_spread(changes: list[list[tuple[int, float, float]]]) -> tuple[float, ...] | None:
    """The sd of the day-of-week effects the earlier intakes show (learn_rush): half the variance of a
    day-to-day change of log rate, less its Poisson part, over all their pairs of whole days, taken
    at the upper end of its doubt (the variance times n / its chi-squared 20 % point), for the days of
    the week those pairs covered (all of them once a weekend day and a weekday are among those);
    SD_WEEKDAY_UNSEEN for the others. None: no pair of whole days."""
    rows = [c for one in changes for c in one]
    if not rows:
        return None
    from scipy.stats import chi2  # noqa: PLC0415 (only here: scipy.stats is slow to import)

    dow, d, var = (np.array(c) for c in zip(*rows, strict=True))
    n = len(d)
    excess = max(float(np.mean(d**2 - var)) / 2.0, 0.0)
    sd = max(float(np.sqrt(excess * n / chi2.ppf(0.2, n))), 0.05)
    covered = set(dow.astype(int)) | set(((dow.astype(int) - 1) % 7).tolist())
    if covered & {5, 6} and covered - {5, 6}:
        # a weekend day next to weekdays: what a weekly pattern is made of has been seen, and the
        # days of the week not covered (the earlier intakes' first days, the rush's) are no different
        covered = set(range(7))
    return tuple(min(sd, SD_WEEKDAY_UNSEEN) if k in covered else SD_WEEKDAY_UNSEEN for k in range(7))


def learn_stories(intakes: Iterable[tuple[Iterable, datetime, datetime]], *, accepts: Calendar | None = None
                  ) -> StoryPrior | None:
    """The news-story prior (StoryPrior) learned from earlier intakes, given as for learn_rush, each read
    over all of its time (up to its cap moment or close): a jump of its level (_jump, as the forecast
    reads a story seen) whose peak at least doubles the rate beyond chance is a story; its excess is
    the arrivals above the level before it (the level's median over the half of the time seen before
    the peak), from where the level last was there until it is back, in hours of that level; its fade
    that excess over its peak excess (STORY_SMOOTH hours). The rate is the stories over the intakes, each
    counting for the share of its arrivals that were not a story's. None when the earlier intakes show no story: the rate they show is 0, and the
    forecast draws none (its futures are the same as without the prior)."""
    stories, count, rows = 0, 0.0, []
    for arrivals, opens_at, until in intakes:
        origin = pd.Timestamp(opens_at).tz_convert("UTC")
        whole = (pd.Timestamp(until).tz_convert("UTC") - origin) / pd.Timedelta(hours=1)
        hours = np.sort(_hours(arrivals, origin))
        h = hours[(hours >= 0) & (hours <= whole)]
        if whole <= 0 or len(h) < LEARN_MIN:
            continue
        fit = fit_rate(h, whole, origin, until.tzinfo, accepts, with_rush=False)
        count += 1.0
        story = _story(fit, h, whole, origin, until.tzinfo, accepts)
        if story is None:
            continue
        excess_h, fade, excess_n = story
        stories += 1
        count -= excess_n / len(h)
        rows.append((np.log(excess_h), np.log(fade)))
    if not stories:
        return None
    x = np.asarray(rows)
    n = len(x)
    # the spread of a next story around the mean of n: (1 + 1/n) times theirs
    sd = np.sqrt((1 + 1 / n) * np.var(x, axis=0, ddof=1)) if n > 1 else np.zeros(2)
    return StoryPrior(stories, float(count), (float(x[:, 0].mean()), float(max(sd[0], STORY_SD_MIN))),
                      (float(x[:, 1].mean()), float(max(sd[1], STORY_FADE_SD_MIN))))


def _story(fit: _Fit, h: np.ndarray, elapsed: float, origin: pd.Timestamp, zone: tzinfo, accepts: Calendar | None
           ) -> tuple[float, float, float] | None:
    """A story in the arrivals `h` (learn_stories; in a forecast, one seen): its excess in hours of the
    level before it, the time constant of its fading (hours) and its excess arrivals; None without a
    jump of the level that is one (the largest, where both jumps _jump considers are)."""
    found = [x for x in (_story_at(fit, h, elapsed, origin, zone, accepts, *j) for j in _jump_points(fit, elapsed))
             if x is not None]
    return max(found, key=lambda x: x[2]) if found else None


def _story_at(fit: _Fit, h: np.ndarray, elapsed: float, origin: pd.Timestamp, zone: tzinfo, accepts: Calendar | None,
              t: np.ndarray, values: np.ndarray, low: int, peak: int) -> tuple[float, float, float] | None:
    """_story for one jump of the level (_jump_points)."""
    # the level before: its typical (median) value over the half of the time seen before the peak (its
    # lowest point there, as _jump reads it, is a low of the noise: a base below the level, and the
    # story's excess read as twice what it was); the story from where the level last was there until it
    # is back
    level = float(np.median(values[(t >= t[peak] - elapsed / 2) & (t < t[peak])]))
    i = np.arange(len(t))
    rise, back = np.flatnonzero((i < peak) & (values <= level)), np.flatnonzero((i > peak) & (values <= level))
    start = float(t[rise[-1]]) if len(rise) else float(t[low])
    end = float(t[back[0]]) if len(back) else elapsed
    edges = np.unique(np.append(np.arange(start, end, 1.0), end))
    if len(edges) < 2:
        return None
    mid = (edges[:-1] + edges[1:]) / 2
    hod, dow = _clock(origin, mid, zone)
    open_time = np.diff(edges) * _open_share(origin, edges, accepts)
    base = np.exp(level + fit.log_profile(hod, dow)) * open_time  # the level before, hour by hour
    seen = np.histogram(h, bins=edges)[0].astype(float)
    excess_n = float(seen.sum() - base.sum())
    if excess_n <= 0 or base.sum() <= 0:
        return None
    excess_h = excess_n / (base.sum() / max(float(open_time.sum()), 1e-9))
    k = min(STORY_SMOOTH, len(seen))
    won, due = np.convolve(seen, np.ones(k), "valid"), np.convolve(base, np.ones(k), "valid")
    # a story at its peak at least doubles the rate, far beyond chance (as a burst is clipped, fit_rate):
    # a level that wandered 1.5-fold over days (closed hours' earlier intakes) is no story
    if not np.any(won - due >= np.maximum(due, CLIP_Z * np.sqrt(due) + CLIP_Z**2 / 3)):
        return None
    peak_x = float(np.max(won / np.maximum(due, 1e-9))) - 1.0
    fade = float(np.clip(excess_h / max(peak_x, 1e-3), 1.0, max(end - start, 1.0)))
    return excess_h, fade, excess_n


def _spaced(knots: np.ndarray) -> np.ndarray:
    """The knots, thinned so that each is at least KNOT_AGE of its time since opening after the one
    before (at most KNOT_GAP hours): the level can bend quickly in an opening rush, but later only on
    a scale of half a day or more, so that the daily cycle is the profile's to carry, not the
    level's (a level with knots two hours apart followed each night down and read the morning's
    rise, or the evening's fall, as a trend)."""
    if len(knots) <= 3:
        return knots
    out = [knots[0]]
    for t in knots[1:-1]:
        if t - out[-1] >= min(KNOT_AGE * t, KNOT_GAP):
            out.append(t)
    end = knots[-1]
    while len(out) > 2 and end - out[-1] < min(KNOT_AGE * end, KNOT_GAP):
        out.pop()
    return np.asarray([*out, end])


# ---------------------------------------------------------------- the future

def _future_grid(elapsed: float, end: float, first: float) -> np.ndarray:
    """Cell boundaries from `elapsed` to `end`, fine near now and widening (5 % of the lead time)."""
    out = [elapsed]
    step = first
    while out[-1] < end:
        out.append(min(out[-1] + step, end))
        step = max(first, 0.05 * (out[-1] - elapsed))
    return np.asarray(out)


@dataclass
class _Futures:
    """Simulated futures: cumulative expected arrivals at the cell boundaries of `grid`, per draw."""

    grid: np.ndarray  # cell boundaries, hours since opening
    cum: np.ndarray  # (draws, cells + 1) cumulative intensity at the boundaries
    rate: np.ndarray  # (draws, cells) intensity per unit of the mean profile's mass, per cell
    fine: np.ndarray  # fine boundaries (every cell boundary among them)
    pcum: np.ndarray  # cumulative mass of the mean profile at `fine`


def _typical(fit: _Fit, t: np.ndarray) -> np.ndarray:
    """Weights that read the level at the moment among `t` where it is at its median (at the fit)."""
    w = _spline_weights(np.clip(t, 0.0, None), fit.knots)
    values = w @ fit.f
    return w[np.argsort(values)[len(t) // 2]]


def _jump(fit: _Fit, elapsed: float) -> tuple[np.ndarray, float] | None:
    """A jump of the level, as a news story makes: the weights reading the level before it and the time
    the excess over that level takes to fade by a factor e, or None when there was none.

    The peak is the level's highest point in the later half of the time seen, or failing a jump there,
    over all of it; the level before is its lowest point in the half of the time seen before the peak
    (a peak at the opening, a rush, has none: no jump); a jump is a peak at least JUMP above it. A
    level already back down to where it was has a fade of 0: the story is over, and no trend is read
    from its fading (and a level below where it was goes back up to it, _simulate). (The peak was sought in the later half only: a story earlier than that, its
    excess spread over days by the smooth level, had its fading read as a trend and carried on,
    eightfold down at worst: P50 at 5 to 10 times the time left in the news family.)"""
    found = next(_jump_points(fit, elapsed), None)
    if found is None:
        return None
    t, values, low, peak = found
    top, now = values[peak] - values[low], values[-1] - values[low]
    pre = _spline_weights(t[low:low + 1], fit.knots)[0]
    if now <= 0:
        return pre, 0.0
    since = elapsed - t[peak]
    fade = since / np.log(top / now) if top > now * 1.05 else max(since, elapsed / 16)
    return pre, float(np.clip(fade, elapsed / 64, elapsed))


def _jump_points(fit: _Fit, elapsed: float) -> Iterator[tuple[np.ndarray, np.ndarray, int, int]]:
    """The jumps _jump reads, the first first (the peak in the later half of the time seen, then the
    highest over all of it): the moments (401 over the time seen), the level there, and the indices of
    the level's lowest point before the peak and of the peak."""
    t = np.linspace(0.0, elapsed, 401)
    values = _spline_weights(t, fit.knots) @ fit.f
    later = np.flatnonzero(t >= elapsed / 2)
    for peak in dict.fromkeys([int(later[np.argmax(values[later])]), int(np.argmax(values))]):
        earlier = np.flatnonzero((t >= t[peak] - elapsed / 2) & (t < t[peak]))
        if len(earlier) == 0:
            continue
        low = int(earlier[np.argmin(values[earlier])])
        if values[peak] - values[low] < JUMP:
            continue
        yield t, values, low, peak


def _roughness(fit: _Fit) -> float:
    """How much the fitted level has bent, as a share of what its prior allows: the root mean square
    of its second differences per knot over SD_BEND, between WANDER_MIN and 1. The random walk of the
    futures is scaled by it: a level that has moved smoothly so far (a rush fading, a pool emptying)
    is not given the doubt of one that has jumped about (news stories, waves)."""
    k = len(fit.knots)
    if k < 3:
        return 1.0
    bends = _penalty(fit.knots, 1.0)[:k, :k] - np.eye(k) * 1e-6  # d2' d2 / SD_BEND**2
    rms = np.sqrt(max(float(fit.f @ bends @ fit.f), 0.0) * SD_BEND**2 / (k - 2))
    return float(np.clip(rms / SD_BEND, WANDER_MIN, 1.0))


def _simulate(fit: _Fit, elapsed: float, end: float, origin: pd.Timestamp, zone: tzinfo,
              rng: np.random.Generator, draws: int, accepts: Calendar | None = None) -> _Futures:
    k = len(fit.knots)
    # The trend: the typical (median) level over the last window against the window before it. Once a
    # day has been seen, the windows are the same hours of the clock a day (or whole days) apart, so
    # the daily cycle cancels out, and a median is not moved by a burst of a few hours in a window;
    # before that, the last quarter of the time seen against the quarter before.
    if elapsed < TREND_WINDOW:
        span = gap = elapsed * SHORT_SPAN
    elif elapsed < 2 * TREND_WINDOW:
        span, gap = max(min(elapsed - TREND_WINDOW, TREND_WINDOW / 4), 1.0), TREND_WINDOW
    else:
        span = gap = TREND_WINDOW * max(1, int(elapsed / 4 // TREND_WINDOW))
    last = _typical(fit, np.linspace(elapsed - span, elapsed, 49))
    before = _typical(fit, np.linspace(elapsed - gap - span, elapsed - gap, 49))
    # The current level, the recent trend and the profile's effects, drawn jointly from the posterior.
    jump = _jump(fit, elapsed)
    a = np.zeros((4 + 31 + 2, len(fit.theta)))
    a[0, k - 1] = 1.0
    a[1, :k] = (last - before) / gap
    if accepts is not None:
        # With closed hours the level now is the typical level over the last window, carried to the end
        # of the time seen by the trend, not the spline's end knot: that end is read from the few open
        # hours since the portal last opened (a night or a weekend before them holds no arrivals), and
        # a quiet first hour or two after a reopening pulled it down, sd 0.4 and more. Read at the end
        # knot, the closed-hours family's ranges at half and three quarters of the cap held the truth
        # 97 % and 100 % of the time (seeds 30-59).
        a[0, :k] = last + a[1, :k] * span / 2
    a[2, :k] = (last + before) / 2  # the recent baseline: the typical level over both windows
    a[3, :k] = jump[0] if jump is not None else 0.0  # the level before the jump
    a[4:35, k:k + 31] = np.eye(31)
    # the trend a gap earlier: a decline slowing down (a rush fading) says how soon it levels off
    earlier = elapsed - 2 * gap - span >= 0
    if earlier:
        a[35, :k] = (before - _typical(fit, np.linspace(elapsed - 2 * gap - span, elapsed - 2 * gap, 49))) / gap
    # Between one and two days there is no day-apart trend a day earlier: whether the decline is
    # slowing down is read from the last half-day against the half-day before it instead (the daily
    # cycle is the fitted profile's by then), a lag `lag` after the day-apart trend.
    half = not earlier and elapsed >= TREND_WINDOW
    lag = gap
    if half:
        s_half = elapsed / 4
        a[36, :k] = (_typical(fit, np.linspace(elapsed - s_half, elapsed, 49))
                     - _typical(fit, np.linspace(elapsed - 2 * s_half, elapsed - s_half, 49))) / s_half
        lag = max((gap + span) / 2 - s_half, 1.0)
    rows = [0, 1, 2, *([3] if jump is not None else []), *range(4, 4 + 31), *([35] if earlier else []),
            *([36] if half else [])]
    z = np.zeros((draws, len(a)))
    # (eigh: two of these read the same point of the level when windows meet, a singular covariance)
    z[:, rows] = rng.multivariate_normal(a[rows] @ fit.theta, a[rows] @ fit.cov @ a[rows].T, size=draws,
                                         method="eigh")
    level, slope, baseline, before_jump = z[:, 0], z[:, 1], z[:, 2], z[:, 3]
    shift = z[:, 4:35] - (a @ fit.theta)[4:35]  # the profile's deviations from its posterior mean
    # A young intake's futures are drawn (for a share rush_weight of them) from the settled rate plus an
    # excess fading from the opening, fitted jointly with the time of day (_fit_rush): each draws a
    # time constant by its posterior weight, then its level, excess and profile from that fit.
    use_rush = np.zeros(draws, dtype=bool)
    rush_b, rush_tau = np.zeros(draws), np.ones(draws)
    is_added = np.zeros(draws, dtype=bool)
    if fit.rush:
        use_rush = rng.random(draws) < fit.rush_weight
        pick = rng.choice(len(fit.rush), size=draws, p=np.array([r.weight for r in fit.rush]))
        mean_profile = (a @ fit.theta)[4:35]
        for j, r in enumerate(fit.rush):
            sel = np.flatnonzero(use_rush & (pick == j))
            if len(sel) == 0:
                continue
            d = rng.multivariate_normal(r.theta, r.cov, size=len(sel), method="eigh")
            rush_b[sel], rush_tau[sel] = d[:, 1], r.tau
            # an excess added to the day's applicants is not in the level: the level is the settled rate
            level[sel] = d[:, 0] + (0.0 if r.added else d[:, 1] * np.exp(-elapsed / r.tau))
            is_added[sel] = r.added
            shift[sel] = d[:, 2:33] - mean_profile
    # Before a whole day has been seen, how strongly the day's cycle will show is not known (the
    # applicants may be awake in another zone, an overnight surge may be all there is): each future
    # scales the prior profile's swing around the present hour by its own strength.
    if elapsed < 24.0 and not fit.learned:
        strength = rng.uniform(elapsed / 24.0, 1.0, draws)
        now = _hour_weights(_clock(origin, np.array([elapsed]), zone)[0])[0]
        prior = np.log(PRIOR_DIURNAL) - float(now @ np.log(PRIOR_DIURNAL))
        shift[:, :24] += (strength - fit.prior_weight)[:, None] * prior[None, :]
    unseen_sd = SD_WEEKDAY_UNSEEN if fit.unseen_sd is None else fit.unseen_sd
    unknown = rng.standard_normal((draws, 7)) * unseen_sd * (1.0 - fit.weekly_known)
    # The days of the week seen so far are in the level already (the weekday effects are held near
    # zero until a week is seen, so the spline carries them): the unknown effects are drawn relative
    # to those days, not to the week's mean. An intake seen for an hour of a Monday and forecast for
    # later that Monday has no weekday doubt at all (centred on the week, every future drew its own
    # Monday effect, sd 0.5: "fills in minutes" ranges were twice too wide).
    seen = np.unique(_clock(origin, np.linspace(0.0, elapsed, 8 * 7 + 1), zone)[1])
    shift[:, 24:] += unknown - unknown[:, seen].mean(axis=1, keepdims=True)
    # a decline (a surge fading, a pool running out) goes on for a while; a rise soon stops
    damping = np.where(slope < 0, DAMPING, DAMPING_UP) * elapsed * np.exp(DAMPING_SD * rng.standard_normal(draws))

    first = min(_bin_minutes(elapsed) / 60.0, 0.25)
    grid = _future_grid(elapsed, end, first)
    # the profile is read every quarter hour for two weeks ahead, then every hour
    near = min(end, elapsed + 24 * 14)
    fine = np.union1d(grid, np.concatenate([np.arange(elapsed, near, 0.25), np.arange(near, end, 1.0),
                                            _openings_and_closings(origin, elapsed, end, accepts)]))
    mid = (fine[:-1] + fine[1:]) / 2
    hod, dow = _clock(origin, mid, zone)
    open_time = np.diff(fine) * _open_share(origin, fine, accepts)
    mass = np.exp(fit.log_profile(hod, dow)) * open_time
    pcum = np.concatenate([[0.0], np.cumsum(mass)])
    # mass of each cell by (hour of day, day of week), so that each draw weights it by its own profile;
    # a moment's mass is shared between the two nearest hours as the fit shares it (_hour_weights):
    # the fit identifies the level plus that blend of hour effects, not the level plus one hour's
    # effect, and a future read from the one hour drew the doubt of the level and hour effect apart
    # (for an intake seen for minutes, a range about twice too wide)
    cell = np.searchsorted(grid, mid) - 1
    lo, frac = _hour_blend(hod)
    cells = len(grid) - 1
    by_group = (np.bincount(cell * 168 + lo * 7 + dow, weights=mass * (1.0 - frac), minlength=cells * 168)
                + np.bincount(cell * 168 + (lo + 1) % 24 * 7 + dow, weights=mass * frac, minlength=cells * 168)
                ).reshape(cells, 168)
    factor = np.exp(shift[:, np.arange(168) // 7] + shift[:, 24 + np.arange(168) % 7])  # (draws, 168)
    cell_mass = factor @ by_group.T  # (draws, cells)
    mean_mass = by_group.sum(axis=1)

    lead = (grid[:-1] + grid[1:]) / 2 - elapsed
    if accepts is not None:
        # The level changes only while the portal is open: its trend, its fading and its wandering run
        # on open hours (rescaled by the open share of the time seen, so that a calendar open at an even
        # pace changes nothing). A weekend or a night ahead adds no decline and no doubt; measured on the
        # clock, a decline drawn steep went on falling through every closed hour and stretched the
        # late tail.
        seen_open = float(np.mean(_open_share(origin, np.linspace(0.0, elapsed, 257), accepts))) * elapsed
        if seen_open > 0:
            open_cells = _open_share(origin, grid, accepts) * np.diff(grid)
            lead = (np.cumsum(open_cells) - 0.5 * open_cells) * elapsed / seen_open
    tau = damping[:, None]
    b = slope[:, None]
    # A decline slows down as a power of time (a fading surge has a long tail); a rise levels off
    # quickly and is capped.
    # A rise is taken for a passing excess (a news story's tail): the level above the recent baseline
    # fades back to it, in the time the rise lasts.
    excess = np.maximum(level - baseline, 0.0)[:, None]
    trend = np.where(b < 0, np.maximum(b * tau * np.log1p(lead[None, :] / tau), -MAX_FALL),
                     -excess * (1.0 - np.exp(-lead[None, :] / tau)))
    if earlier or half:
        # A decline that has been slowing down (the trend a gap earlier was steeper: a rush fading to
        # a settled rate) goes on slowing at the pace read from the two trends, drawn jointly: its
        # slope decays exponentially with the time constant lag / log(earlier slope / slope), so it
        # levels off instead of falling as a power of time. A decline as steep as before or steeper
        # (a pool running out) keeps the power law above. Between one and two days, a decline that
        # has stopped (the last half-day flat or rising, the day-apart trend falling: a rush that
        # faded within the first day) falls no further.
        prev, now_slope = (z[:, 35], slope) if earlier else (slope, z[:, 36])
        slowing = ((now_slope < 0) & (prev < now_slope))[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            tau_d = (lag / np.log(np.where(slowing[:, 0], prev / now_slope, np.e)))[:, None]
        fall = np.maximum(now_slope[:, None] * tau_d * (1.0 - np.exp(-lead[None, :] / tau_d)), -MAX_FALL)
        trend = np.where(slowing, fall, trend)
        if half:
            trend = np.where(((prev < 0) & (now_slope >= 0))[:, None], 0.0, trend)
    if jump is not None:
        # After a jump (a news story) the level goes back to where it was before it, at the pace it has
        # been falling since the peak (drawn around it), and no further: the story's tail is not a
        # pool running out.
        # Once it is back there, the story is over: no trend is read from its fading.
        _, fade = jump
        above = np.maximum(level - before_jump, 0.0)[:, None]
        fade_d = (max(fade, 1e-6) * np.exp(DAMPING_SD * rng.standard_normal(draws)))[:, None]
        trend = np.where((above > 0) & (fade > 0), -above * (1.0 - np.exp(-lead[None, :] / fade_d)), 0.0)
        if fade == 0:
            # Once the story is over, a level below where it was before it is the smooth level's fall
            # from the story carried on past the old level (its bends cost something: it comes down
            # over days, as it went up), not a new level: a story does not lower the rate it came on.
            # The level goes back to where it was before the story. (Taken for the new level, the
            # forecasts made a week after a story long over came late: news, seed 9 at half the cap,
            # the level 0.6 below where it was, P50 at 1.9 times the time left.)
            trend = np.broadcast_to(np.maximum(before_jump - level, 0.0)[:, None], trend.shape)
    if use_rush.any():
        # The rush's futures: the excess fades at its own pace down to the settled rate and no further
        # (no trend of the last day carried on: the day before was the rush); a rise is not read.
        fade_r = np.exp(-(elapsed + lead)[None, :] / rush_tau[:, None]) - np.exp(-elapsed / rush_tau)[:, None]
        trend = np.where(use_rush[:, None], np.where(is_added, 0.0, np.maximum(rush_b, 0.0))[:, None] * fade_r, trend)
    # The level wanders: a random walk in log space, on the clock of log(1 + lead / time seen), so that
    # looking as far ahead as the intake has run adds as much doubt at any scale; its mean in rate
    # stays put.
    steps = np.diff(np.concatenate([[0.0], np.log1p(lead / elapsed)]))
    wander = WANDER * _roughness(fit)
    walk = np.cumsum(rng.standard_normal((draws, len(lead))) * np.sqrt(steps), axis=1) * wander
    walk -= 0.5 * wander**2 * np.cumsum(steps)
    count = np.exp(trend) * cell_mass
    if elapsed < 24.0:
        # A surge is added to the settled rate, not multiplied with the daily cycle. Before a whole day
        # has been seen, what the level is still to lose (its trend down to where the future settles,
        # at the end of the grid) is, for a share 1 - (share of a day seen) of the futures' weight, an
        # excess over the settled rate that fades at the trend's pace and keeps the rate of the present
        # hour: the morning after a surge at night multiplies only the settled part.
        now_hod, now_dow = _clock(origin, np.array([elapsed]), zone)
        now_lo, now_frac = _hour_blend(now_hod)
        now = np.exp(fit.log_profile(now_hod, now_dow)[0]) * (
            (1.0 - now_frac[0]) * factor[:, now_lo[0] * 7 + int(now_dow[0])]
            + now_frac[0] * factor[:, (now_lo[0] + 1) % 24 * 7 + int(now_dow[0])])
        flat = np.bincount(cell, weights=open_time, minlength=cells)
        settled = np.exp(trend[:, -1:])
        added = settled * cell_mass + np.maximum(np.exp(trend) - settled, 0.0) * flat[None, :] * now[:, None]
        count = (elapsed / 24.0) * count + (1.0 - elapsed / 24.0) * added
    if is_added.any():
        # an excess added to the day's applicants: e^(c + b) times its fading over each cell's open time,
        # whatever the hour (the level is c)
        surge = np.zeros((draws, cells))
        for tau_r in np.unique(rush_tau[is_added]):
            sel = np.flatnonzero(is_added & (rush_tau == tau_r))
            decay = np.bincount(cell, weights=np.exp(-mid / tau_r) * open_time, minlength=cells)
            surge[sel] = np.exp(rush_b[sel])[:, None] * decay[None, :]
        count = count + surge
    # (a closed cell has no mass: its rate is the level's, which a future past the grid goes on at)
    rate = np.exp(level[:, None] + walk) * np.where(mean_mass > 0, count / np.maximum(mean_mass, 1e-300), np.exp(trend))
    cum = np.concatenate([np.zeros((draws, 1)), np.cumsum(rate * mean_mass, axis=1)], axis=1)
    return _Futures(grid, cum, rate, fine, pcum)


def _add_stories(fu: _Futures, prior: StoryPrior, seen: bool, arrivals: int, cap: int,
                 rng: np.random.Generator) -> None:
    """News stories still to come, drawn into the futures `fu` (in place). Stories come at a rate per
    share of the intake (StoryPrior): each future draws its rate from its posterior, gamma with the
    earlier intakes' stories (and the one seen in this intake, `seen`) over their intakes (and the
    share of the cap this one has seen), then the stories as a Poisson process over its own cumulative
    intensity (a cap's worth of it an intake: a story comes at a share of the intake, whatever its
    pace), up to well past the cap. A story multiplies the
    rate by 1 + (excess / fade) exp(-(t - start) / fade) from its start, its excess and fade drawn
    lognormal from the prior."""
    draws = fu.cum.shape[0]
    per = rng.gamma(prior.stories + int(seen), 1.0 / (prior.intakes + arrivals / cap), size=draws) / cap
    span = 1.5 * (cap - arrivals) + 10.0  # stories after the cap's arrival change nothing
    k = rng.poisson(per * span)
    width = np.diff(fu.grid)
    for d in np.flatnonzero(k):
        at = rng.uniform(0.0, span, k[d])
        at = at[at < fu.cum[d, -1]]
        excess = np.exp(prior.log_excess[0] + prior.log_excess[1] * rng.standard_normal(len(at)))
        fade = np.exp(prior.log_fade[0] + prior.log_fade[1] * rng.standard_normal(len(at)))
        if len(at) == 0:
            continue
        start = np.interp(at, fu.cum[d], fu.grid)[:, None]
        lo, hi = np.maximum(fu.grid[:-1][None, :], start), np.maximum(fu.grid[1:][None, :], start)
        f = fade[:, None]
        # each story's excess arrivals in each cell, in hours of the level (none before it starts)
        extra = excess[:, None] * (np.exp(-(lo - start) / f) - np.exp(-(hi - start) / f))
        mult = 1.0 + extra.sum(axis=0) / np.maximum(width, 1e-12)
        fu.rate[d] *= mult
        fu.cum[d, 1:] = np.cumsum(np.diff(fu.cum[d]) * mult)


def _arrival_times(fu: _Futures, targets: np.ndarray, open_ended: bool) -> np.ndarray:
    """Hours since opening at which each draw's cumulative intensity reaches each target (draws, m).

    Past the last cell: inf when the intake closes there; with no close, the last level goes on at
    the profile's average rate."""
    draws, cells = fu.rate.shape
    idx = np.empty(targets.shape, dtype=int)
    for j in range(targets.shape[1]):
        idx[:, j] = (fu.cum < targets[:, j:j + 1]).sum(axis=1)  # boundaries below the target
    inside = idx <= cells
    cell = np.clip(idx - 1, 0, cells - 1)
    rows = np.arange(draws)[:, None]
    # a closed cell (no rate, or one so small the division overflows to inf) is never the one reached
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        need = (targets - fu.cum[rows, cell]) / fu.rate[rows, cell]
    grid_p = np.interp(fu.grid, fu.fine, fu.pcum)
    when = np.interp(grid_p[cell] + need, fu.pcum, fu.fine)
    out = np.where(inside, when, np.inf)
    if open_ended:
        span = min(24.0 * 7, fu.fine[-1] - fu.fine[0])
        avg = (fu.pcum[-1] - np.interp(fu.fine[-1] - span, fu.fine, fu.pcum)) / span
        with np.errstate(divide="ignore", over="ignore"):  # a future with no rate left never fills: inf
            extra = (targets - fu.cum[:, -1:]) / (fu.rate[:, -1:] * max(avg, 1e-12))
        out = np.where(inside, out, fu.grid[-1] + extra)
    return out


def project_cap(arrivals: Iterable, cap: int, as_of: datetime, *, opens_at: datetime,
                closes_at: datetime | None = None, seed: int = 0, draws: int = DRAWS,
                fan_points: int = 0, accepts: Calendar | None = None,
                rush_prior: RushPrior | None = None, story_prior: StoryPrior | None = None) -> CapProjection:
    """When the cap-th arrival comes, seen from `as_of`: an 80 % range (P10 to P90) and its median.

    `arrivals` are timezone-aware submission times of the applications that count toward the cap
    (any order; those before `opens_at` or after `as_of` are ignored). A quantile is None where it
    falls after `closes_at`; `probability_by_close` is None when there is no `closes_at` (or nothing
    to go on yet). Once the cap is reached the three quantiles are the moment it was reached and the
    probability is 1. Results are in the zone of `as_of`, and the time of day is read in that zone.
    `fan_points` > 0 adds that many intermediate counts (with their quantiles) to `fan`.
    `accepts`, a calendar of open hours (aware times -> open or not; dashboard.programs.Accepts), keeps
    closed hours out of the fit and the futures: no arrival is expected while the portal is closed.
    `rush_prior` (learn_rush, from earlier intakes of the kind) says how large an opening rush is and
    how long it lasts, so that the first hours' forecasts do not take the rush for the settled rate.
    `story_prior` (learn_stories, from earlier intakes of the kind) says how often news stories come and
    how large they are: the futures draw stories still to come (None: none, as without it).
    """
    if as_of.tzinfo is None or opens_at.tzinfo is None or (closes_at is not None and closes_at.tzinfo is None):
        raise ValueError("as_of, opens_at and closes_at must be timezone-aware")
    if cap < 1:
        raise ValueError("cap must be at least 1")
    zone = as_of.tzinfo
    origin = pd.Timestamp(opens_at).tz_convert("UTC")
    elapsed = (pd.Timestamp(as_of).tz_convert("UTC") - origin) / pd.Timedelta(hours=1)
    close_h = None if closes_at is None else (pd.Timestamp(closes_at).tz_convert("UTC") - origin) / pd.Timedelta(hours=1)
    h = np.sort(_hours(arrivals, origin))
    h = h[(h >= 0) & (h <= elapsed)]
    n = len(h)
    if n >= cap:
        at = _moment(origin, h[cap - 1], zone)
        return CapProjection(at, at, at, at, 1.0, _recent_rate(h[:cap], h[cap - 1]), "reached", n)
    if close_h is not None and elapsed >= close_h:
        return CapProjection(None, None, None, None, 0.0, _recent_rate(h, close_h), "closed", n)
    if elapsed <= 0 or n == 0:
        return CapProjection(None, None, None, None, None, None if elapsed <= 0 else 0.0, "no-data", n)

    fit = fit_rate(h, elapsed, origin, zone, accepts, rush_prior)
    rng = np.random.default_rng(seed)
    end = close_h if close_h is not None else elapsed + max(20.0 * elapsed, 24.0 * 30)
    futures = _simulate(fit, elapsed, end, origin, zone, rng, draws, accepts)
    if story_prior is not None:
        # its own stream (spawned: rng's own draws below are the same as without stories)
        seen = _story(fit, h, elapsed, origin, zone, accepts) is not None
        _add_stories(futures, story_prior, seen, n, cap, rng.spawn(1)[0])
    k = len(fit.knots)
    hod_now, dow_now = _clock(origin, np.array([elapsed]), zone)
    rate_now = float(np.exp(fit.theta[k - 1] + fit.log_profile(hod_now, dow_now)[0]))
    if accepts is not None and not bool(accepts(pd.DatetimeIndex([pd.Timestamp(as_of)]))[0]):
        rate_now = 0.0

    remaining = cap - n
    counts = [remaining]
    if fan_points > 0:
        step_n = max(1, remaining // (fan_points + 1))
        counts = sorted(set(range(step_n, remaining, step_n)) | {remaining})
    gaps = np.diff(np.concatenate([[0], counts])).astype(float)
    # the k-th arrival of a Poisson process comes when its cumulative intensity reaches Gamma(k, 1)
    targets = np.cumsum(rng.gamma(gaps[None, :], 1.0, size=(draws, len(counts))), axis=1)
    times = _arrival_times(futures, targets, close_h is None)
    q = np.quantile(np.minimum(times, NEVER), [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")  # a simulated moment, never one between two (a weekend)

    def moment(x: float) -> datetime | None:
        if x >= NEVER or (close_h is not None and x > close_h):
            return None
        return _moment(origin, x, zone)

    prob = None if close_h is None else float(np.mean(times[:, -1] <= close_h))
    fan = tuple(FanPoint(n + c, moment(q[0, j]), moment(q[1, j]), moment(q[2, j]))
                for j, c in enumerate(counts)) if fan_points > 0 else ()
    method = f"nhpp: penalised Poisson fit ({k} knots, {fit.clipped} bins clipped), {draws} simulated futures"
    return CapProjection(None, moment(q[0, -1]), moment(q[1, -1]), moment(q[2, -1]), prob, rate_now, method, n, fan)


def _recent_rate(h: np.ndarray, until: float) -> float:
    """Arrivals per hour over the last tenth of the time seen (at least an hour)."""
    span = max(until / 10.0, 1.0)
    return float(np.sum(h > until - span) / span)


def history_step(span: timedelta) -> timedelta:
    """Every hour for an intake seen for up to three days, then coarser: at most about 72 forecasts."""
    for step in (timedelta(hours=1), timedelta(hours=3), timedelta(hours=6), timedelta(hours=12),
                 timedelta(days=1)):
        if span / step <= 72:
            return step
    return timedelta(days=7)


def forecast_history(arrivals: Iterable, cap: int, until: datetime, *, opens_at: datetime,
                     closes_at: datetime | None = None, step: timedelta | None = None, seed: int = 0,
                     draws: int = 500, accepts: Calendar | None = None) -> list[tuple[datetime, CapProjection]]:
    """The forecasts that would have been made every `step` after opening, up to `until` (and no
    later than the cap moment), each from the arrivals seen by then. Times in the zone of `until`."""
    origin = pd.Timestamp(opens_at).tz_convert("UTC")
    # sorted as hours (np.sort of an aware DatetimeIndex sorts Timestamp objects: 21 s at 2.3 million)
    times = pd.DatetimeIndex(origin + pd.to_timedelta(np.sort(_hours(arrivals, origin)), unit="h"))
    reached = reached_moment(times, cap, opens_at=opens_at, as_of=until)
    last = min(until, reached) if reached is not None else until
    step = step or history_step(last - opens_at)
    out = []
    made = opens_at + step
    while made <= last:
        local = made.astimezone(until.tzinfo)
        seen = times[: times.searchsorted(pd.Timestamp(made), side="right")]  # what project_cap keeps of them
        out.append((local, project_cap(seen, cap, local, opens_at=opens_at, closes_at=closes_at, seed=seed,
                                       draws=draws, accepts=accepts)))
        made += step
    return out


if __name__ == "__main__":  # python -m dashboard.forecast plan ...: the planner (dashboard/forecast_plan.py)
    import sys

    from dashboard import forecast_plan

    if sys.argv[1:2] != ["plan"]:
        print("usage: python -m dashboard.forecast plan --like PROGRAM --cap N --opens TIME [--zone ZONE] "
              "[--pool N] [--first-hour N]", file=sys.stderr)
        sys.exit(2)
    sys.exit(forecast_plan.main(sys.argv[2:]))
