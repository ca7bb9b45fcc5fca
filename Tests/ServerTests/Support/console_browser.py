#!/usr/bin/env python3
"""Drives the web console in a real headless Chromium (Debian's chromium and chromium-driver) through Selenium.

Usage: console_browser.py BASE_URL RESPONDER_TOKEN WEBHOOK_TOKEN SCREENSHOT_DIR

Each scenario prints one JSON line {"scenario": ..., "ok": ..., "error": ...}; the exit status is 0 only when
every scenario passed. A missing browser or driver is a failure, never a skip.
"""
import json
import os
import sys
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, TOKEN, WEBHOOK_TOKEN, SHOTS = sys.argv[1:5]
HOSTILE = '<script>window.__pwned=1</script>"><img src=x id=injected>'


def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver, condition, timeout=15):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def fresh(action):
    """Live pages swap their sections when something changes: an element found a moment ago may be gone."""
    for _ in range(20):
        try:
            return action()
        except StaleElementReferenceException:
            time.sleep(0.1)
    return action()


def text_of(driver, selector):
    return fresh(lambda: driver.find_element(By.CSS_SELECTOR, selector).text)


def click(driver, selector):
    fresh(lambda: driver.find_element(By.CSS_SELECTOR, selector).click())


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def post_alert(name, labels, key):
    body = json.dumps({
        "name": name, "key": key, "labels": labels, "severity": "P1",
        "summary": "Checkout error rate is 12%", "url": "javascript:alert(3)",
        "annotations": {"dashboard": "https://grafana.example.com/d/checkout"},
    }).encode()
    request = urllib.request.Request(
        BASE + "/webhooks/generic", data=body, method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + WEBHOOK_TOKEN})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def sign_in(driver):
    driver.get(BASE + "/")
    wait(driver, EC.presence_of_element_located((By.ID, "token")))
    shot(driver, "sign-in")
    driver.find_element(By.ID, "token").send_keys(TOKEN)
    click(driver, "#sign-in")
    wait(driver, EC.url_contains("/incidents"))
    assert "alice" in text_of(driver, ".who"), "the header names who signed in"


def alert_appears_live(driver):
    driver.get(BASE + "/incidents")
    wait(driver, EC.text_to_be_present_in_element((By.ID, "live-state"), "Live"))
    driver.execute_script("window.__sameDocument = true")
    post_alert("CheckoutErrors", {"service": "checkout", "note": HOSTILE}, "checkout-errors")
    wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "tr[data-incident]")))
    assert driver.execute_script("return window.__sameDocument === true"), "the page was not reloaded"
    assert "Checkout error rate is 12%" in text_of(driver, "#incident-list"), text_of(driver, "#incident-list")
    shot(driver, "incidents")


def acknowledge(driver):
    click(driver, "tr[data-incident] a")
    wait(driver, EC.presence_of_element_located((By.ID, "action-ack")))
    assert text_of(driver, "#incident-status") == "triggered"
    click(driver, "#action-ack")
    wait(driver, EC.text_to_be_present_in_element((By.ID, "incident-status"), "acknowledged"))
    assert "Acknowledged" in text_of(driver, ".flash")
    shot(driver, "incident")


def hostile_label_is_text(driver):
    # Still on the incident: the label shows as typed, and none of it ran or became an element.
    labels = text_of(driver, "#incident-alerts")
    assert "<script>window.__pwned=1</script>" in labels, labels
    assert driver.execute_script("return window.__pwned === undefined"), "a script from a label ran"
    assert not driver.find_elements(By.ID, "injected"), "markup from a label became an element"
    links = [a.get_attribute("href") or "" for a in driver.find_elements(By.CSS_SELECTOR, "#incident-alerts a")]
    assert not any(link.startswith("javascript:") for link in links), links
    assert "https://grafana.example.com/d/checkout" in links, links
    try:
        driver.switch_to.alert
        raise AssertionError("an alert dialog opened")
    except NoAlertPresentException:
        pass


def start_run_with_validation(driver):
    driver.get(BASE + "/runbooks/console-demo")
    field = wait(driver, EC.presence_of_element_located((By.ID, "param-batch")))
    assert driver.find_element(By.ID, "param-token").get_attribute("type") == "password"
    Select(driver.find_element(By.ID, "param-target")).select_by_value("staging")
    field.clear()
    field.send_keys("many")
    driver.find_element(By.ID, "param-token").send_keys("hunter22")
    click(driver, "#start-run")
    error = wait(driver, EC.presence_of_element_located((By.ID, "error-batch")))
    assert "not a whole number" in error.text, error.text
    assert driver.find_element(By.ID, "param-token").get_attribute("value") == "", "a secret is never echoed"
    assert "hunter22" not in driver.page_source
    shot(driver, "runbook")
    field = driver.find_element(By.ID, "param-batch")
    field.clear()
    field.send_keys("3")
    driver.find_element(By.ID, "param-token").send_keys("hunter22")
    click(driver, "#start-run")
    wait(driver, EC.url_contains("/runs/RUN-"))


def watch_output(driver):
    wait(driver, EC.text_to_be_present_in_element((By.ID, "live-output"), "tick "))
    # A line arrived while the step still ran (they come 0.6 s apart, the last 3 s in): it streamed.
    assert "tick 5" not in text_of(driver, "#live-output"), text_of(driver, "#live-output")
    wait(driver, EC.presence_of_element_located((By.ID, "approve")), timeout=20)
    assert "tick 5" in text_of(driver, "#run-steps"), "the stored output shows after the step"
    shot(driver, "run")


def approve(driver):
    assert "confirm" in text_of(driver, "#waiting-step").lower()
    click(driver, "#approve")
    wait(driver, EC.text_to_be_present_in_element((By.ID, "run-status"), "succeeded"), timeout=20)


def step_through(driver):
    driver.get(BASE + "/runbooks/console-steps")
    wait(driver, EC.presence_of_element_located((By.ID, "guided"))).click()
    click(driver, "#start-run")
    wait(driver, EC.presence_of_element_located((By.ID, "decide-run")))
    assert "first" in text_of(driver, "#waiting-step")
    click(driver, "#decide-run")
    wait(driver, EC.text_to_be_present_in_element((By.ID, "waiting-step"), "second"), timeout=20)
    assert "succeeded" in text_of(driver, "#step-0")
    click(driver, "#decide-skip")
    wait(driver, EC.text_to_be_present_in_element((By.ID, "run-status"), "succeeded"), timeout=20)
    assert "skipped by alice" in text_of(driver, "#step-1"), text_of(driver, "#step-1")


def publish_postmortem(driver):
    driver.get(BASE + "/incidents/INC-1/postmortem")
    wait(driver, EC.presence_of_element_located((By.ID, "publish"))).click()
    problem = wait(driver, EC.presence_of_element_located((By.ID, "problem")))
    assert "TODO placeholders" in problem.text, problem.text
    editor = driver.find_element(By.ID, "markdown")
    editor.clear()
    editor.send_keys("# Post-mortem: checkout errors\n\n## Summary\n\nA bad deploy; rolled back in 9 minutes.\n")
    click(driver, "#publish")
    wait(driver, EC.text_to_be_present_in_element((By.ID, "postmortem-status"), "published"))
    shot(driver, "postmortem")


def other_pages(driver):
    for path, name in (("/oncall", "oncall"), ("/overview", "overview"), ("/runs", "runs")):
        driver.get(BASE + path)
        wait(driver, EC.presence_of_element_located((By.TAG_NAME, "h1")))
        shot(driver, name)
    logs = driver.get_log("browser")
    violations = [entry for entry in logs if "Content Security Policy" in entry.get("message", "")]
    assert not violations, violations


def sign_out(driver):
    click(driver, "#sign-out")
    wait(driver, EC.presence_of_element_located((By.ID, "token")))
    driver.get(BASE + "/incidents")
    wait(driver, EC.url_contains("/sign-in"))


SCENARIOS = [
    ("sign in", sign_in),
    ("an alert appears on the incidents page without a reload", alert_appears_live),
    ("acknowledge it and see the status change", acknowledge),
    ("a hostile alert label shows as text", hostile_label_is_text),
    ("start a run from the generated form, with a validation error first", start_run_with_validation),
    ("watch its output stream", watch_output),
    ("approve the waiting step", approve),
    ("step through a runbook: run one step, skip one", step_through),
    ("publish a post-mortem", publish_postmortem),
    ("the other pages load without CSP violations", other_pages),
    ("sign out", sign_out),
]


def main():
    os.makedirs(SHOTS, exist_ok=True)
    failed = 0
    try:
        driver = browser()
    except Exception as error:  # The browser is part of the test: missing means failed.
        print(json.dumps({"scenario": "start Chromium", "ok": False, "error": repr(error)}), flush=True)
        return 1
    try:
        for name, scenario in SCENARIOS:
            started = time.monotonic()
            try:
                scenario(driver)
                print(json.dumps({"scenario": name, "ok": True, "seconds": round(time.monotonic() - started, 2)}),
                      flush=True)
            except Exception as error:
                failed += 1
                # In the test's own directory (the working directory), never among the README's screenshots.
                driver.save_screenshot("failed-" + name.split()[0] + ".png")
                print(json.dumps({"scenario": name, "ok": False, "error": repr(error), "url": driver.current_url,
                                  "trace": traceback.format_exc()[-1500:]}), flush=True)
                break
    finally:
        driver.quit()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
