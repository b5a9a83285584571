"""Request bodies of the console API (pydantic 1, as Rasa pins it)."""
from __future__ import annotations

from typing import Dict, Optional

from pydantic import BaseModel, Field, constr


class Login(BaseModel):
    username: str = Field(..., max_length=64)
    password: str = Field(..., max_length=256)


class Presence(BaseModel):
    online: bool


class Transfer(BaseModel):
    reason: str = Field(..., max_length=500, description="mandatory: why the case moves")
    to_agent: Optional[str] = Field(None, description="a colleague's user name")
    to_skill: Optional[str] = Field(None, description="or a skill group, back to its queue")


class Reply(BaseModel):
    text: str = Field(..., min_length=1, max_length=2000)
    override_reason: str = Field("", max_length=500,
                                 description="why to send despite the assist warnings; recorded in the case history")


class ReplyDraft(BaseModel):
    text: str = Field(..., max_length=2000)


class Summary(BaseModel):
    summary: str = Field(..., max_length=2000)


class Note(BaseModel):
    note: str = Field("", max_length=2000)


class OwnershipOfferRequest(BaseModel):
    to: str = Field(..., description="the colleague's user name")
    reason: str = Field(..., max_length=500)


class OwnershipAnswer(BaseModel):
    accept: bool


class PrivateNote(BaseModel):
    text: str = Field("", max_length=2000, description="for colleagues only; never sent to the customer")


class Reveal(BaseModel):
    reason: str = Field("", max_length=500, description="mandatory: why the original is needed; recorded")


class ComplaintLink(BaseModel):
    ticket: str = Field(..., min_length=1, max_length=40)


class ComplaintFiling(BaseModel):
    fields: Dict[str, constr(max_length=2000)] = Field(
        ..., description="the text of each complaint field, by the names GET …/complaint-draft gives")
    customer_consented: bool = Field(
        False, description="mandatory: the customer agreed in the chat to their personal data being kept for it")
