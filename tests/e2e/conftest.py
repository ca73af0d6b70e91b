import pytest
from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def assert_accessible(page):
    """Run axe in the page (injected with evaluate, which the CSP allows) and fail on violations.

    It waits for running CSS transitions to end (search.css fades the results back in over
    0.15 s after an update): a half-faded text fails the contrast rule.
    """
    page.wait_for_function(
        "() => document.getAnimations().every("
        "(a) => !(a instanceof CSSTransition) || a.playState !== 'running')"
    )
    results = _axe.run(page)
    violations = results.response["violations"]
    if violations:
        lines = [f"axe found {len(violations)} violation(s) on {page.url}:"]
        for violation in violations:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.extend(f"    at {target}" for target in targets)
        pytest.fail("\n".join(lines))


@pytest.fixture
def axe():
    return assert_accessible


@pytest.fixture
def csp_errors(page):
    """Collect console messages about Content-Security-Policy violations."""
    errors = []
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return errors


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """An English browser, whatever the machine's locale: a first visit follows the browser's
    Accept-Language to /fr/, /es/… (impactdir.languages), and these tests read English pages."""
    return {**browser_context_args, "locale": "en-US"}
