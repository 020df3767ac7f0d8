"""Who sells and to whom: reps grouped into managed teams, and the accounts they sell to."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from funnelwise.simulate.config import REGIONS, SEGMENT_SHARES, SEGMENTS

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas",
    "Mia", "Logan", "Amelia", "James", "Harper", "Benjamin", "Evelyn", "Elijah", "Abigail",
    "Aiden", "Emily", "Jackson", "Ella", "Sebastian", "Scarlett", "Daniel", "Grace", "Henry",
    "Chloe", "Samuel", "Priya", "Arjun", "Mei", "Hiroshi", "Fatima", "Omar", "Sofia", "Mateo",
    "Camila", "Diego", "Aisha", "Kwame", "Ingrid", "Lars", "Chiara", "Marco", "Nadia", "Pavel",
    "Zoe", "Gabriel", "Leah", "Owen", "Hannah", "Caleb", "Nora", "Isaac", "Lily", "Ryan",
    "Maya", "Nathan",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Patel", "Kim", "Chen", "Okafor", "Schmidt", "Rossi",
    "Novak", "Larsen", "Tanaka", "Haddad", "Murphy", "Kowalski", "Silva",
)
ACCOUNT_WORDS = (
    "Northwind", "Blue Harbor", "Summit", "Ironwood", "Brightline", "Crescent", "Evergreen",
    "Redstone", "Silverlake", "Pinecrest", "Granite", "Keystone", "Lakeshore", "Meridian",
    "Oakridge", "Pioneer", "Riverbend", "Sterling", "Trailhead", "Westfield", "Apex", "Beacon",
    "Cobalt", "Falcon", "Harbor Point", "Horizon", "Juniper", "Lighthouse", "Maple", "Orion",
)
ACCOUNT_KINDS = (
    "Logistics", "Health", "Foods", "Capital", "Systems", "Energy", "Manufacturing", "Retail",
    "Labs", "Software", "Partners", "Insurance", "Media", "Construction", "Analytics",
)
ACCOUNT_SUFFIXES = ("Inc", "LLC", "Group", "Co", "Ltd", "Holdings")
INDUSTRIES = (
    "Software", "Manufacturing", "Healthcare", "Financial Services", "Retail", "Logistics",
    "Energy", "Education", "Media", "Professional Services",
)


@dataclass(frozen=True)
class Roster:
    """The sales org: one entry per rep (index i is rep R{i+1}), teams indexed from 0."""

    rep_names: list[str]
    team_of_rep: np.ndarray
    manager_names: list[str]
    team_region: np.ndarray

    @property
    def region_of_rep(self) -> np.ndarray:
        return self.team_region[self.team_of_rep]

    def team_name(self, team: int) -> str:
        return "Team " + self.manager_names[team].split(" ")[-1]


def team_sizes(reps: int) -> list[int]:
    """Team sizes as even as possible, about 6-7 reps per manager (5-8 whenever feasible)."""
    teams = max(1, round(reps / 6.5))
    if reps / teams > 8:
        teams = math.ceil(reps / 8)
    base, extra = divmod(reps, teams)
    return [base + (1 if t < extra else 0) for t in range(teams)]


def _names(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct 'First Last' names (repeats only once every combination is used)."""
    combos = len(FIRST_NAMES) * len(LAST_NAMES)
    picks = rng.choice(combos, size=count, replace=count > combos)
    return [f"{FIRST_NAMES[p // len(LAST_NAMES)]} {LAST_NAMES[p % len(LAST_NAMES)]}"
            for p in picks]


def make_roster(rng: np.random.Generator, reps: int) -> Roster:
    """Reps with names, grouped under managers into teams; each team covers one region."""
    sizes = team_sizes(reps)
    names = _names(rng, reps + len(sizes))
    team_of_rep = np.repeat(np.arange(len(sizes)), sizes)
    first_region = int(rng.integers(len(REGIONS)))
    team_region = (np.arange(len(sizes)) + first_region) % len(REGIONS)
    return Roster(rep_names=names[:reps], team_of_rep=team_of_rep,
                  manager_names=names[reps:], team_region=team_region)


def reps_table(roster: Roster, rep_ids: pa.Array) -> pa.Table:
    """The `reps` table: rep_id, name, manager, team, region."""
    teams = roster.team_of_rep
    managers = [roster.manager_names[t] for t in teams]
    team_names = [roster.team_name(t) for t in teams]
    regions = [REGIONS[r] for r in roster.region_of_rep]
    return pa.table({"rep_id": rep_ids, "name": roster.rep_names, "manager": managers,
                     "team": team_names, "region": regions})


@dataclass(frozen=True)
class Accounts:
    """Customer accounts: region, segment, industry and name parts, one entry per account."""

    region: np.ndarray
    segment: np.ndarray
    industry: np.ndarray
    name_parts: np.ndarray

    @property
    def count(self) -> int:
        return int(self.region.shape[0])


def account_count(reps: int, scale: float) -> int:
    """About 15 accounts per rep at default volume (300 for 20 reps), growing as sqrt(scale)."""
    return max(30, round(15 * reps * math.sqrt(scale)))


def make_accounts(rng: np.random.Generator, roster: Roster, count: int) -> Accounts:
    """Accounts spread over regions in proportion to the reps working each region."""
    region = roster.region_of_rep[rng.integers(len(roster.rep_names), size=count)]
    segment = rng.choice(len(SEGMENTS), size=count, p=SEGMENT_SHARES)
    industry = rng.integers(len(INDUSTRIES), size=count)
    parts = np.stack([rng.integers(len(ACCOUNT_WORDS), size=count),
                      rng.integers(len(ACCOUNT_KINDS), size=count),
                      rng.integers(len(ACCOUNT_SUFFIXES), size=count)], axis=1)
    return Accounts(region=region, segment=segment, industry=industry, name_parts=parts)


def pick_accounts(rng: np.random.Generator, accounts: Accounts,
                  region: np.ndarray) -> np.ndarray:
    """For each item, a uniformly random account in the given region (any account if none)."""
    order = np.argsort(accounts.region, kind="stable")
    counts = np.bincount(accounts.region, minlength=len(REGIONS))
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    have = counts[region] > 0
    size = np.where(have, counts[region], accounts.count)
    first = np.where(have, offsets[region], 0)
    slot = first + (rng.random(region.shape[0]) * size).astype(np.int64)
    return np.where(have, order[np.minimum(slot, accounts.count - 1)], slot)


def _take(words: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pc.take(pa.array(words), pa.array(codes))


def accounts_table(accounts: Accounts, account_ids: pa.Array) -> pa.Table:
    """The `accounts` table: account_id, name, segment, industry, region."""
    p = accounts.name_parts
    name = pc.binary_join_element_wise(_take(ACCOUNT_WORDS, p[:, 0]),
                                       _take(ACCOUNT_KINDS, p[:, 1]),
                                       _take(ACCOUNT_SUFFIXES, p[:, 2]), " ")
    return pa.table({"account_id": account_ids, "name": name,
                     "segment": _take(SEGMENTS, accounts.segment),
                     "industry": _take(INDUSTRIES, accounts.industry),
                     "region": _take(REGIONS, accounts.region)})
