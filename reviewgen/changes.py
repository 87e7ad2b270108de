"""“Changes since version X”: the site's page of what changed since an earlier revision.

Given a git revision (`since` in the plugin's options, or REVIEWGEN_SINCE), or a report
version written `@VERSION` (`@1.0`: the last commit whose review.yaml states it), each
review of the site is compared with its own folder at that revision, exactly as
`reviewgen diff REV:PATH FOLDER` (or `FOLDER@VERSION FOLDER`) compares them
(reviewgen/diff.py), and in the same edition: the earlier
version is loaded with the site's redaction profile, so a public edition's page names no
one either. The page names the earlier version by its `review.version`, never by the
revision or path, which may carry names the edition hides.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .compare import compare
from .diff import DiffError, Side, diff_reviews, review_folder
from .errors import ReviewError, UsageError
from .figures import Comparison
from .load import load_review
from .redact import Profile
from .review import Review

PAGE = "changes.md"


def changes_since(
    review: Review, figures: Comparison, since: str, profile: Profile | None
) -> dict[str, Any]:
    """`reviewgen diff`'s JSON from the review at revision `since` to the review as built."""
    relative = os.path.relpath(review.root.resolve(), Path.cwd())
    try:
        earlier = f"./{relative}{since}" if since.startswith("@") else f"{since}:./{relative}"
        with review_folder(earlier) as old_root:
            old = load_review(old_root, profile)
            return diff_reviews(Side(since, old, compare(old)), Side("", review, figures))
    except DiffError as err:
        raise UsageError(f"since {since!r}: {err}") from None
    except ReviewError as err:
        messages = "; ".join(str(p) for p in err.problems[:3])
        raise UsageError(
            f"since {since!r}: the review at that revision does not check: {messages}"
        ) from None
