"""The secret scan's pre-checks (quick searches for each detector's triggers, keyword
lines found in case-folded text) never skip a line detect-secrets itself flags.

The reference runs detect-secrets' own `scan_line` on every line with the same detectors,
no pre-check at all; the scan must report exactly its hits, line by line, in order.
"""

from __future__ import annotations

from typing import Any

from detect_secrets.core.scan import scan_line
from detect_secrets.settings import transient_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewgen.secretscan import _plugins, scan_file, scan_text

# Real-looking secrets, as the security tests and detect-secrets' own detectors use them.
KEY_BODY = "MIIEowIBAAKCAQEA3xq8Jd0cB2Zk7mQpL5vR9sT1uW3yX5zA7bC9dE1fG3hJ5kL7"
SECRETS = [
    "AKIAQ3EGUPAJ6W4ZNF7T",
    f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----",
    'password = "Zq8rT4mW2xKp"',
    'PASSWORD: "Zq8rT4mW2xKp"',
    'paſſword = "Zq8rT4mW2xKp"',  # long s: matched by the keyword pattern ignoring case
    'db_pass: "Zq8rT4mW2xKp"',
    "api_key = 'Zq8rT4mW2xKpQ'",
    'secret="hunter2hunter2"',
    "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "XOXP-1234-5678-abcdef",
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "HTTPS://HOOKS.SLACK.COM/services/T0A/B0B/xyz",
    "123456789:AAH4bq7Vr8yM2_pQwZ0lK9sT3uX5cD6eF7g",  # Telegram bot token
    "1234567890:AAH4bq7Vr8yM2_pQwZ0lK9sT3uX5cD6eF7gH",
    'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    'AWS token: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    "https://admin:s3cr3tPassw0rd@example.com/path",
    "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",  # Discord
    "AC1234567890abcdef1234567890abcdef",  # Twilio
    "SK1234567890abcdef1234567890abcdef",
    "0123456789abcdef0123456789abcdef-us12",  # Mailchimp
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "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",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789",
    'ApiKey: "AKCp5bBrG6DLcZ8kQ2sJ"',
    "glpat-abcdefghij0123456789",
    "key: AP6xxxxxxxxxxxxx",
]
# Near misses and the characters the pre-checks look for: digit runs before colons,
# dots, dashes, keys and values of YAML.
FILLER = st.sampled_from(
    [
        "id: SC-01",
        "title: Credentials found",
        "  - {path: evidence/config.txt, caption: Service configuration}",
        "12345678: not a token",
        "version 1.2.3.4 of example.com",
        "key findings",
        "bypass the passport check",
        "description: >-",
        "aws region eu-west-1",
        "xox",
        "hooks.slack.com",
        "AKIA",
        "\u0130\u0131\u017f K \u212a",
        "",
        " ",
        "\t",
        '"',
        "=",
        ": ",
    ]
)
PIECES = st.one_of(st.sampled_from(SECRETS), FILLER, st.text(max_size=12))
SEPARATORS = st.sampled_from(["\n", "\n", " ", ": ", "=", '"', "", "\n  ", "'"])


@st.composite
def texts(draw: Any) -> str:
    pieces = draw(st.lists(st.tuples(PIECES, SEPARATORS), max_size=10))
    return "".join(piece + separator for piece, separator in pieces)


def reference(text: str) -> list[tuple[int, str, str]]:
    """(line, kind, value) of each secret detect-secrets finds, every line scanned."""
    found = []
    with transient_settings({"plugins_used": _plugins()}):
        for number, line in enumerate(text.split("\n"), start=1):
            for secret in scan_line(line):
                if secret.secret_value:
                    found.append((number, secret.type, secret.secret_value))
    return found


def hits(found: list[Any]) -> list[tuple[int, str, str]]:
    return [(hit.line, hit.kind, hit.value) for hit in found]


@settings(max_examples=150)
@given(texts())
def test_scan_text_finds_what_every_line_scanned_finds(text: str) -> None:
    assert hits(scan_text(text)) == reference(text)


@settings(max_examples=100)
@given(texts(), st.lists(texts(), max_size=4))
def test_scan_file_finds_in_each_text_what_every_line_scanned_finds(
    text: str, parsed: list[str]
) -> None:
    written, in_parsed = scan_file(text, parsed)
    assert isinstance(written, list) and isinstance(in_parsed, list)
    assert hits(written) == reference(text)
    expected = [(index, hit) for index, one in enumerate(parsed) for hit in reference(one)]
    assert [(index, *hits([hit])) for index, hit in in_parsed] == expected


def test_every_secret_of_the_corpus_is_found() -> None:
    """The corpus itself is real: each secret is found, alone and among the others."""
    for secret in SECRETS:
        assert reference(secret), secret
        assert hits(scan_text(secret)) == reference(secret)
    text = "\n".join(SECRETS)
    assert hits(scan_text(text)) == reference(text)
