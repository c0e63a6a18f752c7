#!/usr/bin/env python3
"""The web UI in a real browser (Debian's Chromium driven by Playwright), against a running
`fretwise serve`: sign-in, Ask (C major → C, E, G; a lesson question → citations that open the
lesson at its moment), Practice (a real guitar take played into the fake microphone → per-note
results; the tuner reading a recorded string), Progress, Staff (an export job to completion, its
files downloaded and validated).
Every page: no console errors, no serious or critical axe-core violations, a screenshot.

Environment: FRETWISE_URL, FRETWISE_STUDENT_KEY, FRETWISE_STAFF_KEY, TAKE_WAV, AXE_JS,
FRETWISE_GUITAR_SAMPLES, SHOTS (screenshot folder), WORK (scratch folder). Exit status 1 on any
failure. Run through run.sh, which sets all of these up.
"""
import json
import os
import re
import sys
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from make_take import MELODY, TAB, TEMPO, render, sample_path  # noqa: E402

URL = os.environ["FRETWISE_URL"].rstrip("/")
STUDENT = os.environ["FRETWISE_STUDENT_KEY"]
STAFF = os.environ["FRETWISE_STAFF_KEY"]
TAKE = os.environ["TAKE_WAV"]
SAMPLES = os.environ["FRETWISE_GUITAR_SAMPLES"]
AXE = Path(os.environ["AXE_JS"]).read_text()
SHOTS = Path(os.environ["SHOTS"])
WORK = Path(os.environ["WORK"])
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


class Watch:
    """Collects console errors and uncaught exceptions of a page."""

    def __init__(self, page):
        self.errors = []
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"exception: {e}"))

    def take(self):
        e, self.errors = self.errors, []
        return e


def audit(page, watch, name, shot=True, full_page=True):
    """No console errors so far, no serious axe violations, and a screenshot."""
    errors = watch.take()
    check(not errors, f"{name}: no console errors {errors}")
    # Evaluated through the DevTools protocol: the pages' CSP forbids inline scripts, and the
    # test keeps that CSP on (a violation by the UI's own code is a console error).
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE + "\n;void 0")
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    check(not bad, f"{name}: no serious accessibility violations {bad}")
    if shot:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def sign_in(page, key, next_path="/"):
    page.goto(f"{URL}/login?next={next_path}")
    page.get_by_label("API key").fill(key)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{URL}{next_path}")


def ask(page, question):
    page.get_by_test_id("ask-input").fill(question)
    page.get_by_test_id("ask-submit").click()
    expect(page.get_by_role("status").filter(has_text="Answered")).to_be_visible(timeout=60_000)


def check_hf_export(out):
    """The downloaded `hf` export loads with Hugging Face `datasets` (as scripts/validate_export.py
    checks a whole export): the splits with rows, their row counts as the manifest says, the
    contract columns."""
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ["HF_DATASETS_CACHE"] = str(WORK / "hf-cache")
    from datasets import load_dataset

    manifest = json.loads((out / "manifest.json").read_text())
    counts = manifest["counts"]["hf"]
    ds = load_dataset(str(out / "hf"))
    with_rows = {s for s, n in counts.items() if n > 0}
    check(with_rows and set(ds.keys()) == with_rows, f"the export's splits {set(ds.keys())} are the manifest's {with_rows}")
    need = {"id", "text", "instructor", "course", "segment_id", "start_s", "end_s", "guitar_terms",
            "skill_level", "style", "quality_score"}
    for split in sorted(with_rows & set(ds.keys())):
        check(need <= set(ds[split].column_names), f"hf {split}: the contract columns")
        check(ds[split].num_rows == counts[split], f"hf {split}: {ds[split].num_rows} rows as the manifest says")


def check_tuner(p):
    """The tuner: a recorded A3 string (the acoustic sample at 220 Hz), plucked every 1.5 s, in a
    browser of its own whose fake microphone plays it; the tuner names the note and how far from
    the reference it is, updating every second, and stops when asked."""
    wav = WORK / "tuner-a3.wav"
    render(SAMPLES, [(i * 1.5, 57, 1.6) for i in range(8)], 0.0, 0.5, str(wav))
    browser = p.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
            "--no-sandbox",
        ],
    )
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    ctx.grant_permissions(["microphone"], origin=URL)
    page = ctx.new_page()
    watch = Watch(page)
    sign_in(page, STUDENT, "/practice")
    start = page.get_by_role("button", name="Start tuner")
    start.click()
    out = page.locator("#tuner-out")
    expect(out).to_have_text(re.compile(r"^A3 (in tune|\d+ cents (sharp|flat))$"), timeout=30_000)
    reading = out.inner_text()
    cents = re.search(r"(\d+) cents", reading)
    check(cents is None or int(cents.group(1)) <= 20, f"the tuner reads the recorded A3 near its pitch: {reading!r}")
    check(page.get_by_role("button", name="Stop tuner").get_attribute("aria-pressed") == "true",
          "the running tuner's button says so (aria-pressed)")
    page.locator("#tuner").scroll_into_view_if_needed()
    audit(page, watch, "tuner", full_page=False)
    page.get_by_role("button", name="Stop tuner").click()
    expect(out).to_have_text("")
    expect(start).to_have_attribute("aria-pressed", "false")
    browser.close()


def main():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-audio-capture={TAKE}",
                "--autoplay-policy=no-user-gesture-required",
                "--no-sandbox",
            ],
        )
        ctx = browser.new_context(viewport={"width": 1100, "height": 900})
        ctx.grant_permissions(["microphone"], origin=URL)
        page = ctx.new_page()
        watch = Watch(page)

        # Login: `/` without a session is the login page.
        page.goto(URL + "/")
        expect(page.get_by_label("API key")).to_be_visible()
        audit(page, watch, "login")
        sign_in(page, STUDENT)
        expect(page.get_by_test_id("ask-input")).to_be_visible()

        # Ask: a theory question answered from the theory engine, with a chord diagram.
        ask(page, "What notes are in a C major chord?")
        answer = page.get_by_test_id("answer")
        expect(answer).to_be_visible()
        facts = " ".join(page.get_by_test_id("fact").all_inner_texts())
        check(re.search(r"\bC E G\b", facts) is not None, f"C major is C E G in the facts: {facts!r}")
        text = answer.inner_text()
        check(all(re.search(rf"\b{n}\b", text) for n in "CEG"), "the answer names C, E and G")
        page.wait_for_selector("#answer-facts img[alt^='Chord diagram']", timeout=15_000)
        check(page.locator("#answer-facts img").evaluate("i => i.complete && i.naturalWidth > 0"), "the chord diagram loads")
        audit(page, watch, "ask")
        # Rating the answer: the staff page shows it later.
        rating = page.get_by_test_id("answer-rating")
        rating.get_by_label("5", exact=True).check()
        rating.get_by_label("Comment (optional)").fill("Clear, thanks (browser test)")
        rating.get_by_role("button", name="Send").click()
        expect(page.locator("#answer-feedback")).to_contain_text("rating was sent")

        # A question a lesson answers: citations that open the lesson at its moment.
        ask(page, "How do I bend a string?")
        cites = page.get_by_test_id("citation")
        n = cites.count()
        check(n >= 1, f"a lesson question shows citations ({n})")
        moment_link = r"/lessons/([^?]+)\?t=([0-9.]+)(&e=[0-9.]+)?#moment"
        kinds = []
        for i in range(n):
            item = page.locator("#answer-citations li").nth(i)
            cite = item.get_by_test_id("citation")
            kind, href = cite.get_attribute("data-kind"), cite.get_attribute("href") or ""
            kinds.append(kind)
            if kind == "video":
                # The platform's video at the cited second, and the transcript beside it.
                v = re.fullmatch(r"https://videos\.example\.com/v/([^/]+)\.mp4#t=([0-9.]+)", href)
                t = item.get_by_test_id("citation-transcript").get_attribute("href") or ""
                m = re.fullmatch(moment_link, t)
                check(v is not None and m is not None and v.group(1) == m.group(1)
                      and abs(float(v.group(2)) - float(m.group(2))) < 0.06,
                      f"a citation with a known video opens it at the moment ({href}), the transcript beside it ({t})")
            else:
                check(re.fullmatch(moment_link, href) is not None, f"a citation without a video opens the transcript at the moment: {href}")
        check("video" in kinds, f"a cited lesson with a video links it: {kinds}")
        if n:
            first = page.locator("#answer-citations li").first
            link = first.get_by_test_id("citation-transcript" if kinds[0] == "video" else "citation")
            href = link.get_attribute("href")
            m = re.fullmatch(moment_link, href or "")
            check(m is not None, f"the citation links to a lesson moment: {href}")
            quote = page.locator("#answer-citations blockquote").first.inner_text()
            audit(page, watch, "ask-lesson")
            link.click()
            page.wait_for_url(re.compile(r".*/lessons/.*#moment"))
            moment = page.locator("#moment")
            expect(moment).to_be_visible()
            check(moment.evaluate("e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }"),
                  "the lesson page is scrolled to the moment")
            ts = moment.locator(".ts").inner_text()
            mins, secs = ts.split(":")
            t = float(m.group(2)) if m else 0.0
            check(int(mins) * 60 + int(secs) <= t + 0.05, f"the marked utterance ({ts}) starts at or before the cited time {t}")
            words = [w for w in re.findall(r"[a-z']+", quote.lower()) if len(w) > 3]
            near = page.locator(".moment mark").all_inner_texts()
            near_words = set(re.findall(r"[a-z']+", " ".join(near).lower()))
            shared = [w for w in words[:12] if w in near_words]
            check(len(shared) >= 3, f"the moment holds the quoted words ({shared} of {words[:12]})")
            audit(page, watch, "lesson")
            page.go_back()

        # Practice: a real guitar take through the fake microphone → per-note results.
        page.get_by_test_id("nav-practice").click()
        page.wait_for_url(f"{URL}/practice")
        expect(page.get_by_test_id("suggestions").locator("li").first).to_be_visible(timeout=30_000)
        audit(page, watch, "practice")
        page.locator("#tab-paste summary").click()
        page.get_by_label("Tab (six lines, high e first)").fill(TAB)
        page.get_by_label("Tempo (beats per minute)").fill(str(int(TEMPO)))
        page.get_by_role("button", name="Use this tab").click()
        page.get_by_label("Count-in beats").fill("4")
        record = page.get_by_test_id("practice-record")
        expect(record).to_be_enabled()
        record.click()
        stop = page.get_by_test_id("practice-stop")
        expect(stop).to_be_enabled(timeout=20_000)
        # The file starts when the microphone opens: 4 s of silence (the count-in), the melody,
        # then silence; stop once the melody is over.
        time.sleep(60.0 / TEMPO * len(MELODY) + 2.5)
        stop.click()
        result = page.get_by_test_id("practice-result")
        expect(result).to_be_visible(timeout=60_000)
        rows = page.get_by_test_id("note-status")
        statuses = [rows.nth(i).get_attribute("data-status") for i in range(rows.count())]
        check(len(statuses) == len(MELODY), f"one result per note ({len(statuses)} of {len(MELODY)})")
        right = [s for s in statuses if s in ("ok", "early", "late")]
        check(len(right) >= len(MELODY) - 1, f"the played notes are heard at their pitch: {statuses}")
        check(page.locator("#result-plot svg circle").count() > 20, "the pitch plot shows the pitch track")
        page.locator("#result").scroll_into_view_if_needed()
        audit(page, watch, "practice-result")

        # Progress: a profile, its skills, a plan.
        page.get_by_role("link", name="Progress").click()
        page.wait_for_url(f"{URL}/progress")
        page.locator("#profile-new summary").click()
        page.get_by_label("Name").fill("Robin")
        page.get_by_label("Goal (a concept, e.g. barre chords)").fill("barre chords")
        page.get_by_role("button", name="Create profile").click()
        expect(page.locator("#profile-current")).to_contain_text("Robin")
        page.get_by_role("button", name="Make a plan").click()
        expect(page.locator("#plan ol li").first).to_be_visible(timeout=30_000)
        check(page.locator("#plan a[href*='#moment']").count() >= 1, "the plan links its lessons' moments")
        watch_errors = watch.take()
        check(not watch_errors, f"progress (plan): no console errors {watch_errors}")

        # The student uploads a recording of a suggested exercise; it counts in their progress.
        student_id = page.evaluate("() => JSON.parse(localStorage.getItem('fretwise.student')).id")
        page.get_by_test_id("nav-practice").click()
        page.wait_for_url(f"{URL}/practice")
        expect(page.get_by_test_id("suggestions").locator("li").first).to_be_visible(timeout=30_000)
        sugg = page.request.get(f"{URL}/api/ai-instructor/practice-suggestions?limit=5&student_id={student_id}").json()
        pick = next((i for i, s in enumerate(sugg["suggestions"])
                     if all(n.get("midi") and sample_path(SAMPLES, n["midi"]) for n in s["exercise"]["exercise"]["notes"])), None)
        check(pick is not None, "a suggested exercise can be played from the recorded notes")
        if pick is not None:
            ex = sugg["suggestions"][pick]["exercise"]["exercise"]
            spb = 60.0 / round(ex["tempo_bpm"])
            notes = [(n["beat"] * spb, n["midi"], max(0.2, n.get("duration_beats", 1) * spb + 0.1)) for n in ex["notes"]]
            upload = WORK / "suggested-take.wav"
            render(SAMPLES, notes, 1.0, 1.5, str(upload))
            page.get_by_test_id("suggestions").get_by_role("button", name="Practise this").nth(pick).click()
            page.locator("#upload").set_input_files(str(upload))
            expect(page.get_by_test_id("practice-result")).to_contain_text("Recorded in your progress", timeout=60_000)
            statuses = page.get_by_test_id("note-status").evaluate_all("rs => rs.map(r => r.dataset.status)")
            right = [s for s in statuses if s in ("ok", "early", "late")]
            check(len(statuses) == len(notes) and len(right) >= 0.8 * len(notes), f"the uploaded take is scored note by note: {statuses}")
            page.get_by_role("link", name="Progress").click()
            page.wait_for_url(f"{URL}/progress")
            expect(page.locator("#skills table tbody tr").first).to_be_visible(timeout=30_000)
            check(page.locator("#takes svg circle").count() == 1, "the take is on the takes-over-time plot")
        audit(page, watch, "progress")

        # Staff pages need a staff key.
        r = page.goto(f"{URL}/staff")
        check(r is not None and r.status == 403, "a student key is refused the staff page")
        watch.take()  # the 403 page load is the expected error
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{URL}/login")
        sign_in(page, STAFF, "/staff")
        check(page.get_by_role("region", name="Feedback").get_by_text("Clear, thanks (browser test)").count() == 1,
              "the staff page shows the rating the student gave")
        audit(page, watch, "staff")
        page.get_by_label("Format", exact=True).select_option("hf")
        page.get_by_label("Most examples").fill("5000")
        # The builder's splits and dry run: no test split, the table says so before anything runs.
        page.get_by_label("Train %").fill("85")
        page.get_by_label("Validation %").fill("15")
        page.get_by_label("Test %").fill("0")
        page.get_by_test_id("export-preview").click()
        table = page.get_by_test_id("export-plan")
        expect(table).to_be_visible(timeout=60_000)
        cell = lambda split: int(table.locator(f"tr[data-split={split}] td").nth(1).inner_text())
        preview = {split: cell(split) for split in ("train", "validation", "test")}
        check(preview["test"] == 0 and preview["train"] > 0 and preview["validation"] > 0,
              f"the dry run deals lessons to train and validation only: {preview}")
        check(table.locator("tr[data-reason=exact_duplicate]").count() == 1, "the dry run lists the exact duplicates removed")
        table.scroll_into_view_if_needed()
        audit(page, watch, "staff-preview", full_page=False)
        page.get_by_test_id("export-submit").click()
        done = page.locator("[data-testid=export-status][data-status=done]")
        expect(done).to_be_visible(timeout=120_000)
        links = page.get_by_test_id("export-files").locator("a")
        names = links.all_inner_texts()
        check("manifest.json" in names and any(n.startswith("hf/") for n in names), f"the job lists its files: {names}")
        out = WORK / "downloaded-export"
        for i, name in enumerate(names):
            with page.expect_download() as d:
                links.nth(i).click()
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            d.value.save_as(str(target))
        check_hf_export(out)
        manifest = json.loads((out / "manifest.json").read_text())
        lessons = {split: manifest["splits"][split]["lessons"] for split in preview}
        check(lessons == preview, f"the export's splits {lessons} are what the dry run showed {preview}")
        check(manifest["split_settings"]["shares"]["test"] == 0, "the manifest records the split shares")
        page.locator("#export-job").scroll_into_view_if_needed()
        audit(page, watch, "staff-export", full_page=False)

        # A phone: every student page fits the width (nothing scrolls sideways).
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    device_scale_factor=2)
        page = phone.new_page()
        watch = Watch(page)
        sign_in(page, STUDENT)
        for path in ("/", "/practice", "/progress"):
            page.goto(URL + path)
            page.wait_for_load_state("networkidle")
            wide = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            check(wide <= 0, f"phone {path}: fits the width ({wide} px over)")
            errors = watch.take()
            check(not errors, f"phone {path}: no console errors {errors}")
        page.goto(URL + "/")
        ask(page, "What notes are in a C major chord?")
        page.screenshot(path=str(SHOTS / "phone-ask.png"), full_page=False)
        browser.close()

        check_tuner(p)

    if failures:
        print(f"\n{len(failures)} browser checks failed:", *failures, sep="\n  ")
        sys.exit(1)
    print("\nall browser checks passed")


if __name__ == "__main__":
    main()
