"""A status machine as data: which action moves which status where. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import IllegalMove

__all__ = ["Lifecycle"]


@dataclass(frozen=True)
class Lifecycle:
    """``moves[status][action] -> next status``. A status with no moves is final."""

    entity: str
    initial: str
    moves: dict[str, dict[str, str]]

    @property
    def statuses(self) -> tuple[str, ...]:
        seen = [self.initial]
        for src, acts in self.moves.items():
            for s in (src, *acts.values()):
                if s not in seen:
                    seen.append(s)
        return tuple(seen)

    def allowed(self, status: str) -> list[str]:
        """Actions allowed from *status*, in a stable order."""
        return list(self.moves.get(status, {}))

    def next(self, status: str, action: str, entity_id: object = "") -> str:
        """The status after *action*, or :class:`IllegalMove` naming what is allowed."""
        try:
            return self.moves[status][action]
        except KeyError:
            allowed = self.allowed(status)
            raise IllegalMove(self.entity, entity_id, status, action, allowed) from None

    def is_final(self, status: str) -> bool:
        return not self.moves.get(status)
