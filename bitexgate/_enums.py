"""The gateway's documented code tables."""

from __future__ import annotations

from common import OpenIntEnum

__all__ = ["DepositStatus", "FeePayer", "WithdrawStatus"]


class DepositStatus(OpenIntEnum):
    """State of a deposit to a wallet or an invoice."""

    PENDING = 1  #: waiting for confirmation
    CONFIRMED = 5  #: on balance
    REJECTED = 6  #: impossible to approve

    @property
    def is_final(self) -> bool:
        """Whether the deposit can no longer change state."""
        return self in (DepositStatus.CONFIRMED, DepositStatus.REJECTED)


class WithdrawStatus(OpenIntEnum):
    """State of a withdrawal."""

    NEW = 10  #: created, needs to be confirmed
    CONFIRMED = 20  #: confirmed by the user, needs to be verified
    VERIFIED = 23  #: verified by the automatic system
    MODERATION = 25  #: under moderation by an operator
    APPROVED = 26  #: approved for sending
    SUSPENDED = 27  #: suspended by an operator
    DONE = 30  #: sent
    REFUSED = 40  #: refused by an operator
    CANCELLED = 50  #: cancelled by the user

    @property
    def is_final(self) -> bool:
        """Whether the withdrawal can no longer change state."""
        return self in (WithdrawStatus.DONE, WithdrawStatus.REFUSED, WithdrawStatus.CANCELLED)


class FeePayer(OpenIntEnum):
    """Where a withdrawal's fee is taken from."""

    BALANCE = 1  #: from the account balance (the default)
    AMOUNT = 2  #: from the withdrawn amount; only when the fee is in the withdrawn ticker
