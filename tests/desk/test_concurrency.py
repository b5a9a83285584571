"""Two agents click "claim" on the same case at the same moment: exactly one gets it, the owner is set once."""
import threading

from sqlalchemy import text

from bot.desk import AlreadyClaimed, ClaimCase, OpenHandoff
from bot.store import session_scope


def test_two_simultaneous_claims_one_wins_the_other_is_told(desk, agents, database_url):
    for attempt in range(5):
        case_id = desk(OpenHandoff, f"web:race{attempt}", "request", topic="return_7day").case.id
        barrier = threading.Barrier(2)
        outcomes = {}

        def claim(name):
            barrier.wait()
            try:
                desk(ClaimCase, case_id, name)
                outcomes[name] = "won"
            except AlreadyClaimed as refusal:
                outcomes[name] = str(refusal)

        threads = [threading.Thread(target=claim, args=(name,)) for name in ("wang", "li")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        winners = [name for name, outcome in outcomes.items() if outcome == "won"]
        assert len(winners) == 1, outcomes
        loser = ({"wang", "li"} - set(winners)).pop()
        assert "已由" in outcomes[loser]
        with session_scope(database_url) as session:
            owner, claims = session.execute(
                text(
                    "SELECT a.username, (SELECT count(*) FROM handoff_events e WHERE e.handoff_id = h.id "
                    "AND e.action = 'claimed') FROM handoffs h JOIN desk_agents a ON a.id = h.first_contact_owner_id "
                    "WHERE h.id = :id"
                ),
                {"id": case_id},
            ).one()
        assert owner == winners[0] and claims == 1
        # Free the winner for the next round (王芳's capacity is 2).
        with session_scope(database_url) as session:
            session.execute(text("UPDATE handoffs SET status = 'closed', current_agent_id = NULL WHERE id = :id"),
                            {"id": case_id})
