"""The demo's complaints register: six complaints in the demo communes, two past their
deadline at the demo's time (a voter-list complaint after its 5 days, a candidate
complaint received after the 10-day cutoff), so the board, the wall and the register
show every deadline state."""

from __future__ import annotations

from datetime import datetime, timedelta

from geo import complaints as cp
from geo.store import Store

__all__ = ["add_demo_complaints", "DEMO_COMPLAINTS"]

ACTOR = "diễn tập"
# (kind, matter, channel, from whom, hours before now received, moves, summary)
DEMO_COMPLAINTS = (
    ("khieu_nai", "voter_list", "in_person", "voter", 16 * 24, (),
     "Tên cử tri bị ghi sai năm sinh trong danh sách niêm yết"),
    ("khieu_nai", "voter_list", "letter", "voter", 3 * 24, ("answer", "close"),
     "Danh sách cử tri thiếu một hộ mới chuyển đến"),
    ("khieu_nai", "candidate", "letter", "citizen", 2 * 24, (),
     "Khiếu nại về việc lấy ý kiến cử tri nơi cư trú đối với người ứng cử"),
    ("to_cao", "public_order", "letter", "anonymous", 4 * 24, ("accept",),
     "Tố cáo việc tụ tập gây mất trật tự gần nhà văn hóa thôn"),
    ("kien_nghi", "public_order", "phone", "organisation", 3, (),
     "Đề nghị tăng cường tuần tra quanh điểm bỏ phiếu buổi tối"),
    ("phan_anh", "other", "online", "citizen", 1, (),
     "Phản ánh loa truyền thanh thôn không nghe rõ"),
)


def add_demo_complaints(store: Store, now: datetime) -> list[dict]:
    """Receive :data:`DEMO_COMPLAINTS` in the demo's communes (in turn), each in a hamlet
    of its commune, received that many hours before *now*; return their rows."""
    communes = sorted(store.features("communes")["code"])
    hamlets = store.features("hamlets")
    if not communes:
        return []
    rows = []
    # Written just before *now*, after the drill's last event: nothing from the future.
    last = store.last_event()[1]
    ticks = iter(max(now - timedelta(milliseconds=100 - k),
                     (last or now) + timedelta(microseconds=k + 1)) for k in range(100))
    for n, (kind, matter, channel, who, hours, moves, summary) in enumerate(DEMO_COMPLAINTS):
        commune = communes[n % len(communes)]
        inside = sorted(hamlets.loc[hamlets["commune_code"] == commune, "code"])
        row = cp.receive(store, kind=kind, matter=matter, channel=channel, from_whom=who,
                         commune_code=commune, hamlet_code=inside[0] if inside else None,
                         summary=summary, actor=ACTOR,
                         received_at=now - timedelta(hours=hours), at=next(ticks))
        for action in moves:
            row = cp.move(store, row["id"], action, expected_version=row["version"],
                          actor=ACTOR, note="Đã trả lời bằng văn bản"
                          if action == "answer" else None, at=next(ticks))
        rows.append(row)
    return rows
