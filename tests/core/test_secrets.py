import base64

from sigfollow_desktop.core.secrets import SECRET_PREFIX, generate_secret


def test_secrets_carry_256_random_bits_and_never_repeat() -> None:
    secrets = {generate_secret() for _ in range(1000)}
    assert len(secrets) == 1000
    for secret in secrets:
        assert secret.startswith(SECRET_PREFIX)
        raw = base64.urlsafe_b64decode(secret.removeprefix(SECRET_PREFIX) + "=")
        assert len(raw) * 8 >= 256
