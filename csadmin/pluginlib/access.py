"""Access checks and per-process memory that stays fresh (the host's csadmin.access,
re-exported):

    has_privilege           has_privilege(user, tenant, code) -> bool: the one check
    Memo                    answers filed under the access generation they were read in
    generation              the current generation (None when the shared cache is down)
    bump_now_and_on_commit  a signal receiver: a write that changes what a Memo holds
    circuit                 the Redis circuit of an address: circuit(url).allows() / failed() /
                            succeeded(), shared with the host (csadmin.circuit)
"""

from csadmin.access.checks import has_privilege
from csadmin.access.freshness import Memo, bump_now_and_on_commit, generation
from csadmin.circuit import of as circuit

__all__ = ["Memo", "bump_now_and_on_commit", "circuit", "generation", "has_privilege"]
