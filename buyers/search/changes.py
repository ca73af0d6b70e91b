"""Updating a search index in place from the change log, in work proportional to the change.

Triggers (migration 0011_search_changes) append the id of every provider a write
changed to `providers_search_change`. `read_changes` finds the ids logged since an
index last looked; `apply_changes` re-reads only those providers, in one snapshot,
and gives a new index (the old one stays untouched for searches running on it):

- a provider still published keeps its position; one newly published gets the next
  free position; one no longer published leaves its position empty;
- its bits are set or cleared in every facet option, the impact thresholds and the
  verified set, from its rows as the builder reads them;
- it moves within each sort order: orders are chunks of positions, so it leaves one
  chunk and joins another. Ties fall back to the name order, which the database
  decides (its collation): a provider's place in it is right after the published
  provider the database puts before it, and gets a sort key between its neighbours';
- its text is no longer taken from the in-memory postings, which stay as built:
  text.py asks the database about the few providers changed since (`text_stale`).

Taxonomy changes still replace the token and rebuild the whole index; so does a
change log with a gap (a worker that did not look for half an hour).
"""

import bisect
import dataclasses

import numpy as np
from django.db import connection

from buyers.search.bits import bool_to_bits
from buyers.search.build import dated_facets, facet_bits
from buyers.search.facets import FILTERS, THRESHOLD
from buyers.search.index import (
    CHANGE_TABLE,
    CHUNK,
    ORDINAL_STEP,
    FacetOption,
    SearchIndex,
    provider_row_values,
)
from providers import disclosure

#: Changes kept in the log; a worker that has not looked for longer rebuilds instead.
KEEP_SECONDS = 3600
#: Most providers re-read in place at once; a bigger batch rebuilds the index.
MAX_BATCH = 5000


class RebuildNeeded(Exception):
    """The change cannot be applied in place (a gap, or a very large batch)."""


def log_changes(provider_ids) -> None:
    """Log providers as changed (for writes the triggers do not see, e.g. a confirmation
    that removes the "not confirmed" mark from a result card)."""
    ids = [int(pk) for pk in provider_ids]
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {CHANGE_TABLE} (provider_id) VALUES (%s)",  # noqa: S608 (a constant table)
            [(pk,) for pk in ids],
        )


def version_sql() -> str:
    """SQL giving (token, last sequence number) in one row."""
    return (
        "SELECT t.token, (SELECT COALESCE(MAX(seq), 0) FROM "  # noqa: S608 (constant tables)
        f"{CHANGE_TABLE}) FROM providers_search_data_token t WHERE t.id = 1"
    )


def read_changes(cursor, index: SearchIndex) -> tuple[dict, int, int | None, frozenset]:
    """Changes the index has not applied: ({provider id: seq}, new seq, new xmin, recent seqs).

    On PostgreSQL a row can become visible after rows with higher numbers (its
    transaction took its number first and committed last); every row that became
    visible since the index's last look has a transaction id at or above that look's
    xmin, so those are read, and the ones already applied (`recent`) skipped.
    """
    if connection.vendor == "postgresql":
        # Two index scans (xid, seq) joined by UNION ALL, in any order: with `OR` and
        # ORDER BY seq the planner walks the primary key through the whole log (57 ms
        # at 250,000 rows after a bulk load, twice a second in every worker); this
        # reads only the new rows (0.5 ms). A row found by both is counted once below.
        xmin_sql = "(SELECT pg_snapshot_xmin(pg_current_snapshot())::text)"
        cursor.execute(
            f"SELECT seq, provider_id, {xmin_sql} FROM {CHANGE_TABLE} "  # noqa: S608
            f"WHERE xid >= %s::text::xid8 UNION ALL "
            f"SELECT seq, provider_id, {xmin_sql} FROM {CHANGE_TABLE} WHERE seq > %s",
            [str(index.xmin or 0), index.seq],
        )
        rows = cursor.fetchall()
        if rows:
            xmin = int(rows[0][2])
        else:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
            xmin = int(cursor.fetchone()[0])
    else:
        cursor.execute(
            f"SELECT seq, provider_id FROM {CHANGE_TABLE} WHERE seq > %s ORDER BY seq",  # noqa: S608
            [index.seq],
        )
        rows = cursor.fetchall()
        xmin = None
    changed = {}
    seen = set()
    for row in rows:
        seq, provider_id = int(row[0]), int(row[1])
        seen.add(seq)
        if seq not in index.recent and (seq > index.seq or connection.vendor == "postgresql"):
            changed[provider_id] = max(seq, changed.get(provider_id, 0))
    cursor.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {CHANGE_TABLE}")  # noqa: S608
    if int(cursor.fetchone()[0]) < index.seq:
        raise RebuildNeeded("the change log went back (the data was restored)")
    new_seq = max([index.seq, *seen])
    # Rows read by transaction id may show up again next time: remember them.
    recent = frozenset(seen) if connection.vendor == "postgresql" else frozenset()
    return changed, new_seq, xmin, recent


def prune(cursor) -> None:
    """Forget changes older than KEEP_SECONDS (every worker has applied them by then);
    the last one stays, so the last sequence number never goes back."""
    if connection.vendor == "postgresql":
        cursor.execute(
            f"DELETE FROM {CHANGE_TABLE} WHERE at < clock_timestamp() - %s * interval '1 second' "  # noqa: S608
            f"AND seq < (SELECT MAX(seq) FROM {CHANGE_TABLE})",
            [KEEP_SECONDS],
        )
    else:
        cursor.execute(
            f"DELETE FROM {CHANGE_TABLE} WHERE at < datetime('now', %s) "  # noqa: S608
            f"AND seq < (SELECT MAX(seq) FROM {CHANGE_TABLE})",
            [f"-{KEEP_SECONDS} seconds"],
        )


# --------------------------------------------------------------------------
# Reading the changed providers
# --------------------------------------------------------------------------


def _in(ids) -> tuple[str, list]:
    return ", ".join(["%s"] * len(ids)), list(ids)


#: Most ids in one SQLite statement of `_members_sql` (SQLite takes up to 32,766
#: parameters; each branch of each declaration takes every id once).
_SQLITE_PARAMETERS = 30_000


def _member_facets() -> tuple:
    """The facets a provider's rows decide (a threshold is read from the provider row)."""
    return tuple(facet for facet in FILTERS if facet.kind != THRESHOLD)


def _members_sql(ids: list, day) -> tuple[str, list]:
    """SQL selecting (facet param, provider id, option key) of the given providers, from
    every facet's declaration (facets.py), as the builder reads them; and its parameters."""
    parts, params = [], []
    for facet in _member_facets():
        sql, facet_params = facet.membership_sql_for(ids, on=day)
        parts.append(
            f"SELECT '{facet.param}', m.provider_id, m.option_key FROM ({sql}) m"  # noqa: S608 (declared SQL)
        )
        params += facet_params
    return " UNION ALL ".join(parts), params


def _id_batches(ids: list) -> list:
    """`ids` cut so that one `_members_sql` statement stays within SQLite's parameters."""
    if connection.vendor == "postgresql":
        return [ids]
    branches = sum(len(facet.branches) for facet in _member_facets())
    size = max(1, _SQLITE_PARAMETERS // branches)
    return [ids[start : start + size] for start in range(0, len(ids), size)]


@dataclasses.dataclass
class _State:
    id: int
    share: int
    workforce: int
    updated: int
    verified: bool
    members: dict = dataclasses.field(default_factory=dict)
    predecessor: int | None = None


def _read_states(cursor, index: SearchIndex, ids: list) -> tuple[list, set]:
    """(published providers among `ids` in the database's name order, ids not published)."""
    placeholders, params = _in(ids)
    cursor.execute(
        "SELECT c.id, c.impact_share, c.workforce, c.updated_at, c.verified_at IS NOT NULL, "  # noqa: S608
        "(SELECT p.id FROM providers_provider p WHERE p.status = 'published' "
        "AND (p.name, p.id) < (c.name, c.id) ORDER BY p.name DESC, p.id DESC LIMIT 1) "
        f"FROM providers_provider c WHERE c.id IN ({placeholders}) AND c.status = 'published' "
        "ORDER BY c.name, c.id",
        params,
    )
    states = []
    for row in cursor.fetchall():
        share, workforce, updated, verified = provider_row_values(row[1:5])
        states.append(_State(int(row[0]), share, workforce, updated, verified, predecessor=row[5]))
    published = {state.id for state in states}
    by_id = {state.id: state for state in states}
    for batch in _id_batches(sorted(published)) if published else ():
        cursor.execute(*_members_sql(batch, index.day))
        for param, provider_id, key in cursor.fetchall():
            by_id[int(provider_id)].members.setdefault(param, set()).add(str(key))
    return states, set(ids) - published


def _option_keys(index: SearchIndex, state: _State) -> dict:
    """Facet param -> option keys the provider belongs to, as the builder derives them."""
    return {facet.param: state.members.get(facet.param, set()) for facet in _member_facets()}


# --------------------------------------------------------------------------
# Sort orders as chunks
# --------------------------------------------------------------------------


def _primary(index: SearchIndex, order: str):
    return {
        "name": None,
        "impact": index.sort_share,
        "size": index.sort_size,
        "updated": index.sort_updated,
    }[order]


def _key(index: SearchIndex, order: str, position: int) -> tuple:
    primary = _primary(index, order)
    ordinal = int(index.ordinal[position])
    return (ordinal,) if primary is None else (int(primary[position]), ordinal)


def _remove(chunks: list, position: int) -> None:
    bit = 1 << position
    for at, (bits, positions) in enumerate(chunks):
        if bits & bit:
            kept = positions[positions != position]
            if len(kept):
                chunks[at] = (bits & ~bit, kept)
            else:
                del chunks[at]
            return


def _insert(chunks: list, index: SearchIndex, order: str, position: int) -> None:
    key = _key(index, order, position)
    lasts = [_key(index, order, int(positions[-1])) for _bits, positions in chunks]
    at = min(bisect.bisect_left(lasts, key), len(chunks) - 1) if chunks else 0
    if not chunks:
        chunks.append((1 << position, np.array([position], dtype=np.int32)))
        return
    bits, positions = chunks[at]
    primary = _primary(index, order)
    ordinals = index.ordinal[positions]
    if primary is None:
        where = int(np.searchsorted(ordinals, key[0]))
    else:
        values = primary[positions]
        low = int(np.searchsorted(values, key[0], "left"))
        high = int(np.searchsorted(values, key[0], "right"))
        where = low + int(np.searchsorted(ordinals[low:high], key[1]))
    positions = np.insert(positions, where, position).astype(np.int32)
    bits |= 1 << position
    if len(positions) > 2 * CHUNK:
        half = len(positions) // 2
        chunks[at : at + 1] = [_chunk(positions[:half]), _chunk(positions[half:])]
    else:
        chunks[at] = (bits, positions)


def _chunk(positions: np.ndarray) -> tuple:
    size = int(positions.max()) + 1
    mask = np.zeros(size, dtype=bool)
    mask[positions] = True
    return bool_to_bits(mask), positions


def _name_order(chunks: list) -> np.ndarray:
    return np.concatenate([positions for _bits, positions in chunks]) if chunks else np.zeros(0)


def _place_by_name(index: SearchIndex, chunks: list, position: int, predecessor) -> None:
    """Give `position` an ordinal right after its predecessor's in the name order."""
    if predecessor is None:
        before = None
        after = int(chunks[0][1][0]) if chunks else None
    else:
        pred = index.position_of(int(predecessor))
        if pred is None:
            raise RebuildNeeded("the name order names a provider the index does not hold")
        before = pred
        after = None
        key = (int(index.ordinal[pred]),)
        lasts = [_key(index, "name", int(p[-1])) for _b, p in chunks]
        at = bisect.bisect_left(lasts, key)
        positions = chunks[at][1]
        where = int(np.flatnonzero(positions == pred)[0])
        if where + 1 < len(positions):
            after = int(positions[where + 1])
        elif at + 1 < len(chunks):
            after = int(chunks[at + 1][1][0])
    low = int(index.ordinal[before]) if before is not None else None
    high = int(index.ordinal[after]) if after is not None else None
    if low is None and high is None:
        index.ordinal[position] = 0
    elif low is None:
        index.ordinal[position] = high - ORDINAL_STEP
    elif high is None:
        index.ordinal[position] = low + ORDINAL_STEP
    elif high - low > 1:
        index.ordinal[position] = (low + high) // 2
    else:
        # No room left between the two: number the whole name order afresh (same order).
        order = _name_order(chunks)
        index.ordinal[order] = np.arange(len(order), dtype=np.int64) * ORDINAL_STEP
        _place_by_name(index, chunks, position, predecessor)


# --------------------------------------------------------------------------
# Applying
# --------------------------------------------------------------------------


def _copy(index: SearchIndex, grow_to: int, max_id: int, moves: bool) -> SearchIndex:
    """A copy whose mutable parts can change without touching `index`; the ids and their
    positions are shared unless a provider joins or leaves (`moves`): most changes are
    edits, and each array copied costs a worker about 0.3 ms at 100,000 providers."""
    extra = grow_to - index.size

    def grown(array, fill):
        return np.concatenate([array, np.full(extra, fill, dtype=array.dtype)])

    id_to_position = index.id_to_position
    if max_id >= len(id_to_position):
        id_to_position = np.concatenate(
            [id_to_position, np.full(max_id + 1 - len(id_to_position), -1, dtype=np.int32)]
        )
    elif moves:
        id_to_position = id_to_position.copy()
    return dataclasses.replace(
        index,
        ids=grown(index.ids, 0) if extra else index.ids,
        id_to_position=id_to_position,
        bits={param: dict(options) for param, options in index.bits.items()},
        options={param: list(options) for param, options in index.options.items()},
        impact_at_least=list(index.impact_at_least),
        orders={order: list(chunks) for order, chunks in index.orders.items()},
        ordinal=grown(index.ordinal, 0),
        sort_share=grown(index.sort_share, 1),
        sort_size=grown(index.sort_size, 1),
        sort_updated=grown(index.sort_updated, 0),
        stamps=grown(index.stamps, 0),
    )


def apply_changes(cursor, index: SearchIndex, changed: dict) -> SearchIndex:
    """A new index with the providers in `changed` ({id: seq}) re-read from the database."""
    if len(changed) > MAX_BATCH:
        raise RebuildNeeded(f"{len(changed)} providers changed at once")
    ids = sorted(changed)
    states, gone = _read_states(cursor, index, ids)
    added = [state for state in states if index.position_of(state.id) is None]
    new = _copy(index, index.size + len(added), max(ids), moves=bool(added or gone))
    next_position = index.size

    # Leave: every changed provider the index holds leaves its bits and orders.
    for provider_id in ids:
        position = index.position_of(provider_id)
        if position is None:
            continue
        bit = 1 << position
        new.all_bits &= ~bit
        new.text_stale |= bit
        for options in new.bits.values():
            for key, bits in options.items():
                if bits & bit:
                    options[key] = bits & ~bit
        new.impact_at_least = [bits & ~bit if bits & bit else bits for bits in new.impact_at_least]
        for chunks in new.orders.values():
            _remove(chunks, position)
        new.stamps[position] = changed[provider_id]
        if provider_id in gone:
            new.id_to_position[provider_id] = -1

    # Join: published ones, in the database's name order (see `_place_by_name`).
    for state in states:
        position = new.position_of(state.id)
        if position is None:
            position = next_position
            next_position += 1
            new.ids[position] = state.id
            new.id_to_position[state.id] = position
        bit = 1 << position
        new.all_bits |= bit
        new.text_stale |= bit
        new.stamps[position] = changed[state.id]
        new.sort_share[position] = -state.share
        shown = state.workforce >= disclosure.THRESHOLD
        new.sort_size[position] = -(state.workforce if shown else min(state.workforce, 0))
        new.sort_updated[position] = -state.updated
        for param, keys in _option_keys(new, state).items():
            options = new.bits.setdefault(param, {})
            for key in keys:
                options[key] = options.get(key, 0) | bit
                if param == "country" and key not in index.bits.get("country", {}):
                    _add_country_option(new, key)
        if state.share >= 0:
            for percent in range(state.share + 1):
                new.impact_at_least[percent] |= bit
        _place_by_name(new, new.orders["name"], position, state.predecessor)
        for order, chunks in new.orders.items():
            _insert(chunks, new, order, position)
    return new


def _add_country_option(index: SearchIndex, code: str) -> None:
    options = [option for option in index.options.get("country", ()) if option.key != code]
    options.append(FacetOption(code, code))
    options.sort(key=lambda option: option.key)
    index.options["country"] = options


def refresh_certifications(cursor, index: SearchIndex, today) -> SearchIndex:
    """A new index for another day: only the dated facets (certification validity) change."""
    new = dataclasses.replace(index, day=today, bits=dict(index.bits))
    nbytes = (index.size + 7) // 8
    for facet in dated_facets():
        new.bits[facet.param] = {
            key: bits & index.all_bits
            for key, bits in facet_bits(facet, today, index.id_to_position, nbytes).items()
        }
    return new
