"""Client-side token buckets keep calls under the configured QPS; the counter sees every attempt."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from controller.dataworks.ratelimit import CallCounter, RateLimiter, TokenBucket, is_write
from tests.unit.dataworks.scripted import FakeTime


async def test_a_bucket_spaces_calls_at_its_rate(fake_time: FakeTime) -> None:
    bucket = TokenBucket(5.0, clock=fake_time.clock, sleep=fake_time.sleep)
    starts = []
    for _ in range(11):
        await bucket.acquire()
        starts.append(fake_time.now)
    assert starts[-1] - starts[0] == pytest.approx(2.0)  # 10 intervals of 0.2 s
    assert all(b - a == pytest.approx(0.2) for a, b in itertools.pairwise(starts))


async def test_a_burst_lets_that_many_calls_through_at_once(fake_time: FakeTime) -> None:
    bucket = TokenBucket(10.0, burst=3, clock=fake_time.clock, sleep=fake_time.sleep)
    waits = [await bucket.acquire() for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(0.1)


async def test_idle_time_does_not_bank_more_than_the_burst(fake_time: FakeTime) -> None:
    bucket = TokenBucket(2.0, clock=fake_time.clock, sleep=fake_time.sleep)
    await bucket.acquire()
    fake_time.now += 100
    assert await bucket.acquire() == 0.0
    assert await bucket.acquire() == pytest.approx(0.5)


async def test_concurrent_waiters_are_served_in_order_at_the_rate(fake_time: FakeTime) -> None:
    bucket = TokenBucket(4.0, clock=fake_time.clock, sleep=fake_time.sleep)
    order: list[int] = []

    async def call(i: int) -> None:
        await bucket.acquire()
        order.append(i)

    await asyncio.gather(*(call(i) for i in range(6)))
    assert order == list(range(6))
    assert fake_time.now - 1000.0 == pytest.approx(1.25)


async def test_default_limiter_shares_five_qps_between_reads_and_writes(fake_time: FakeTime) -> None:
    limiter = RateLimiter.from_qps(clock=fake_time.clock, sleep=fake_time.sleep)
    assert limiter.shared
    for action in ["GetWorkflow", "UpdateWorkflow"] * 5:
        await limiter.acquire(action)
    assert fake_time.now - 1000.0 == pytest.approx(9 * 0.2)


async def test_split_limiter_keeps_reads_and_writes_in_separate_buckets(fake_time: FakeTime) -> None:
    limiter = RateLimiter.from_qps(read_qps=50, write_qps=20, clock=fake_time.clock, sleep=fake_time.sleep)
    assert not limiter.shared
    assert await limiter.acquire("UpdateWorkflow") == 0.0
    assert await limiter.acquire("GetWorkflow") == 0.0  # the write did not use up the read token
    assert await limiter.acquire("ImportWorkflowDefinition") == pytest.approx(0.05)
    assert limiter.read.rate == 50
    assert limiter.write.rate == 20


def test_writes_are_named_in_a_table_and_post_shaped_reads_are_reads() -> None:
    assert is_write("ImportWorkflowDefinition")
    assert is_write("ExecPipelineRunStage")
    assert is_write("DeleteWorkflow")
    assert not is_write("ListWorkflows")  # a POST, but a read
    assert not is_write("GetJobStatus")


def test_call_counter_counts_by_action_and_by_code() -> None:
    counter = CallCounter()
    counter.record("GetWorkflow")
    counter.record("GetWorkflow", "Throttling.User")
    counter.record("UpdateWorkflow")
    assert counter.snapshot() == {"GetWorkflow": 2, "UpdateWorkflow": 1}
    assert counter.by_code() == {
        ("GetWorkflow", "OK"): 1,
        ("GetWorkflow", "Throttling.User"): 1,
        ("UpdateWorkflow", "OK"): 1,
    }
    assert counter.total() == 3
    assert counter.total(writes_only=True) == 1


def test_a_bucket_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)


async def test_throttling_halves_the_rate_and_holds_everyone_back_for_the_pause(fake_time: FakeTime) -> None:
    bucket = TokenBucket(8.0, clock=fake_time.clock, sleep=fake_time.sleep)
    await bucket.acquire()
    bucket.slow_down(pause=1.0)
    assert bucket.rate == 4.0
    start = fake_time.now
    await bucket.acquire()
    assert fake_time.now - start == pytest.approx(1.0)
    await bucket.acquire()
    assert fake_time.now - start == pytest.approx(1.25)  # spaced at the halved rate


async def test_a_pause_during_a_wait_is_still_honoured(fake_time: FakeTime) -> None:
    bucket = TokenBucket(1.0, clock=fake_time.clock, sleep=fake_time.sleep)
    await bucket.acquire()

    async def throttled_meanwhile() -> None:
        bucket.slow_down(pause=5.0)

    waiter = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0)  # the waiter is now sleeping its 1 s
    await throttled_meanwhile()
    await waiter
    assert fake_time.now - 1000.0 >= 5.0


def test_successes_creep_back_up_to_the_configured_cap_and_never_beyond(fake_time: FakeTime) -> None:
    bucket = TokenBucket(10.0, clock=fake_time.clock, sleep=fake_time.sleep)
    for _ in range(3):
        bucket.slow_down()
    assert bucket.rate == pytest.approx(1.25)
    for _ in range(200):
        bucket.speed_up()
    assert bucket.rate == 10.0
    for _ in range(100):
        bucket.slow_down()
    assert bucket.rate == pytest.approx(0.1)  # the floor


async def test_client_throttled_answers_slow_the_action_class_down(fake_time: FakeTime) -> None:
    limiter = RateLimiter.from_qps(read_qps=10, write_qps=4, clock=fake_time.clock, sleep=fake_time.sleep)
    limiter.throttled("GetWorkflow", 0.0)
    assert limiter.read.rate == 5.0
    assert limiter.write.rate == 4.0
    limiter.succeeded("GetWorkflow")
    assert limiter.read.rate == pytest.approx(5.2)
