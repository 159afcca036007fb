"""What to do, said the TUI's way: the engine's remedies are data (``wizard.remedy``); here each
action is phrased as the key, screen or palette command that does it in this app, where the
command line would print a command."""

from __future__ import annotations

from wizard.remedy import QUESTION_TEXTS, Phrases, Remedy


class Tui(Phrases):
    def resume(self, remedy: Remedy) -> str:
        return "press r to resume the run"

    def run_again(self, remedy: Remedy) -> str:
        question = QUESTION_TEXTS[remedy.question or ""]
        return f"start a new repair of this image and answer {(remedy.answer or '').capitalize()} to '{question}'"

    def change_answer(self, remedy: Remedy) -> str:
        question = QUESTION_TEXTS[remedy.question or ""]
        return f"answer '{(remedy.answer or '').capitalize()}' to '{question}' on the questions screen"

    def change_on_resume(self, remedy: Remedy) -> str:
        return "press h to change the answer (the cloud's choices are offered), and the run resumes"

    def choose_cbr(self, remedy: Remedy) -> str:
        return "start a new repair of this image and choose CBR"

    def abandon(self, remedy: Remedy) -> str:
        return "a on the image's diagnosis screen abandons the run, listing what it made before deleting it"

    def delete_temp_server(self, remedy: Remedy) -> str:
        return "d on the summary deletes it"

    def test_launch(self, remedy: Remedy) -> str:
        return "t on the summary launches a test ECS"

    def list_images(self, remedy: Remedy) -> str:
        return "close this message: the image list shows the project's full-ECS images"

    def list_runs(self, remedy: Remedy) -> str:
        return "Ctrl+P, 'Open runs' lists the runs this machine knows"

    def report_lists_it(self, remedy: Remedy) -> str:
        return "the run's report lists it: e on the summary"


TUI = Tui()
