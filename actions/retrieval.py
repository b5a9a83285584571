"""Asking the knowledge base from an action without blocking the action server.

Retrieval is CPU work; it runs in one worker thread so the action server's event loop keeps accepting Rasa's
requests while a question is being ranked. One thread: the service is not meant to be shared between threads,
and one question at a time is what the CPU can do anyway.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from bot.knowledge import Decision, get_service

_retrieval = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retrieval")


async def ask(text: str, context_entry_id: Optional[str] = None) -> Decision:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_retrieval, lambda: get_service().ask(text, context_entry_id=context_entry_id))
