"""Moving first-contact responsibility: the owner names a colleague, who must accept. Nothing else moves it."""
from __future__ import annotations

from sqlalchemy import select

from bot.desk.errors import NotAllowed, ReasonRequired
from bot.desk.models import Handoff, OwnershipOffer
from bot.desk.service import AgentRef, DeskService


class OfferOwnership(DeskService):
    def __call__(self, handoff_id: int, by: AgentRef, to: AgentRef, reason: str) -> OwnershipOffer:
        if not (reason or "").strip():
            raise ReasonRequired("移交首问责任必须填写原因")
        owner, colleague = self.agent(by), self.agent(to)
        case = self.case(handoff_id)
        self.require_open(case)
        if case.first_contact_owner_id != owner.id:
            raise NotAllowed("只有首问负责人本人可以移交首问责任")
        if colleague.id == owner.id or not colleague.active:
            raise NotAllowed("请选择一位在职的其他同事")
        if self.pending(case) is not None:
            raise NotAllowed(f"会话 {case.id} 已有一个待对方接受的移交")
        now = self.clock()
        offer = OwnershipOffer(handoff_id=case.id, from_agent_id=owner.id, to_agent_id=colleague.id,
                               reason=reason.strip(), offered_at=now)
        self.session.add(offer)
        case.record("ownership_offered", owner.actor, now, reason.strip(), from_agent=owner, to_agent=colleague)
        self.notify(colleague, case, "ownership_offered",
                    f"{owner.display_name} 请您接手会话 {case.id} 的首问责任：{reason}")
        return offer

    def pending(self, case: Handoff):
        return self.session.execute(
            select(OwnershipOffer).where(OwnershipOffer.handoff_id == case.id, OwnershipOffer.answered_at.is_(None))
        ).scalar_one_or_none()


class AnswerOwnershipOffer(DeskService):
    def __call__(self, offer_id: int, by: AgentRef, accept: bool) -> Handoff:
        colleague = self.agent(by)
        offer = self.session.get(OwnershipOffer, offer_id)
        if offer is None or offer.answered_at is not None:
            raise NotAllowed("这个移交已处理或不存在")
        if offer.to_agent_id != colleague.id:
            raise NotAllowed("只有被指定的同事可以接受或拒绝移交")
        case = self.case(offer.handoff_id)
        now = self.clock()
        offer.answered_at, offer.accepted = now, accept
        if accept:
            self.require_open(case)
            previous = case.owner
            case.owner = colleague
            case.record("ownership_accepted", colleague.actor, now, offer.reason,
                        from_agent=previous, to_agent=colleague)
            self.notify(previous, case, "ownership_accepted", f"{colleague.display_name} 已接手会话 {case.id} 的首问责任")
        else:
            case.record("ownership_declined", colleague.actor, now, offer.reason, from_agent=offer.from_agent,
                        to_agent=colleague)
            self.notify(offer.from_agent, case, "ownership_declined",
                        f"{colleague.display_name} 没有接受会话 {case.id} 的移交，您仍是首问负责人")
        return case
