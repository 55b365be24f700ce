"""Where a NaN or Inf comes from: an input that already holds one, else the first operation
that made one from finite inputs (counted only if it reaches the output), and the first step
whose adjoints went non-finite in the reverse sweep."""
from __future__ import annotations

from ..core.jaxpr_text import format_value
from .sweeps import Sweeps, all_finite
from .view import NanOrigin

def find_nan_origin(sweep: Sweeps, step_id: dict, atoms: dict, edges: list,
                    readers: dict[str, list[str]]) -> NanOrigin:
    """Where a non-finite output comes from: an input that already holds NaN or Inf, else the
    first step that made one from finite inputs (counted only if the way of non-finite values
    from it reaches an output, which is marked); and the first step whose input adjoints went
    non-finite."""
    origin = NanOrigin()
    finite = lambda node: node.value is None or all_finite([node.value])
    by_id = {nid: n for nid, n in atoms.items()}
    feeds: dict[str, list[str]] = {}
    for a, b in edges:
        feeds.setdefault(b, []).append(a)

    def way_to_output(start: str) -> list[str]:
        """The shortest way of non-finite values from ``start`` to a non-finite output, or []."""
        previous = {start: None}
        queue, end = [start], None
        while queue and end is None:
            nxt = []
            for a in queue:
                for b in readers.get(a, []):
                    if b not in previous and not finite(by_id[b]):
                        previous[b] = a
                        if by_id[b].kind == "output":
                            end = b
                            break
                        nxt.append(b)
                if end:
                    break
            queue = nxt
        path = []
        while end is not None:
            path.insert(0, end)
            end = previous[end]
        return path

    # Only a non-finite value that reaches the output counts (a solver's harmless 1*inf does not):
    # an input that already holds one, else the first operation that made one from finite inputs.
    inputs = [nid for nid, n in atoms.items() if n.kind == "input" and not finite(n)]
    born = [nid for nid in atoms if nid.startswith("n") and atoms[nid].kind == "op"
            and not finite(by_id[nid]) and all(finite(by_id[a]) for a in feeds.get(nid, []))]
    for nid in inputs + born:
        path = way_to_output(nid)
        if path:
            origin.forward, origin.path = nid, path
            break
    if sweep.adjoint_birth is not None:
        origin.adjoint = step_id.get(id(sweep.adjoint_birth))
    parts = []
    if origin.forward and by_id[origin.forward].kind == "input":
        node = by_id[origin.forward]
        parts.append(f"the input {node.label} = {format_value(node.value)} is already not finite, and reaches "
                     f"the output (marked in red)")
    elif origin.forward:
        node = by_id[origin.forward]
        parts.append(f"first non-finite value: {node.label} = {format_value(node.value)} from finite inputs "
                     f"(node {origin.forward}, marked in red)")
    if origin.adjoint:
        node = by_id[origin.adjoint]
        parts.append(f"first non-finite adjoint: made by {node.label} in the reverse sweep "
                     f"(node {origin.adjoint}, marked in purple)")
    quiet_inputs = [nid for nid in inputs if nid != origin.forward]
    if quiet_inputs:   # an input holding NaN or Inf is said, even when nothing of it reaches the output
        node = by_id[quiet_inputs[0]]
        parts.append(f"the input {node.label} = {format_value(node.value)} is not finite"
                     + ("" if origin.forward else " (no NaN or Inf of it reaches the output)"))
    if not parts and born:
        parts.append(f"no NaN or Inf reaches the output or the adjoints; {len(born)} operation"
                     f"{'s' * (len(born) != 1)} inside make{'s' * (len(born) == 1)} one that does not "
                     f"(first: {by_id[born[0]].label})")
    bad_adjoints = [nid for nid, n in atoms.items() if n.adjoint is not None and not all_finite([n.adjoint])]
    if bad_adjoints and not origin.adjoint:
        parts.append(f"{len(bad_adjoints)} adjoint{'s' * (len(bad_adjoints) != 1)} not finite "
                     f"(first: {by_id[bad_adjoints[0]].label})")
    bad_values = [nid for nid, n in atoms.items() if not finite(n)]
    if parts:
        origin.message = "; ".join(parts)
    elif bad_values:   # only where nothing above said it: never "all finite" when something is not
        origin.message = (f"{len(bad_values)} value{'s' * (len(bad_values) != 1)} not finite "
                          f"(first: {by_id[bad_values[0]].label})")
    else:
        origin.message = "no NaN or Inf: every value and adjoint is finite"
    return origin
