from wizard import flowchart


def test_every_node_is_reachable_and_every_path_ends_in_steps():
    reachable = flowchart.reachable_from("symptom")
    assert flowchart.all_node_ids() <= reachable | {"symptom"}
    for spec in flowchart.PATHS.values():
        assert spec.id in reachable
        assert spec.steps, spec.id
        assert spec.steps[-2:] == ("create_image", "verify_image")
        assert all(kind in flowchart.STEP_TITLES for kind in spec.steps)


def test_four_paths_cover_both_services_and_both_answers():
    assert set(flowchart.PATHS) == {("cbr", True), ("cbr", False), ("csbs", True), ("csbs", False)}
    assert flowchart.path_for("cbr", False).steps[0] == "create_temp_server"
    assert "check_new_format" in flowchart.path_for("csbs", True).steps
    assert "ensure_vault" in flowchart.path_for("cbr", True).steps


def test_text_rendering_marks_only_the_chosen_path():
    chosen = flowchart.path_for("csbs", False)
    text = flowchart.render_text(chosen)
    marked = [line for line in text.splitlines() if line.startswith(">>") and "path " in line]
    assert len(marked) == 1 and chosen.id in marked[0] and "(your path)" in marked[0]


def test_mermaid_is_a_flowchart_with_every_edge():
    text = flowchart.render_mermaid(flowchart.path_for("cbr", True))
    assert text.startswith("flowchart TD")
    assert text.count("-->") == len(flowchart.EDGES)
    assert "class cbr_source_exists" in text


def test_every_node_explains_itself():
    for node in flowchart.NODES:
        assert len(node.explanation) > 40, node.id


def test_every_verdict_stops_at_a_node_of_the_chart():
    from wizard.verdict import Verdict

    assert {verdict.node for verdict in Verdict} <= flowchart.reachable_from("symptom")


def test_the_printed_chart_explains_every_node_and_the_plain_outline_does_not():
    import textwrap

    text = flowchart.render_text()
    flat = " ".join(line.strip() for line in text.splitlines())
    for node in flowchart.NODES:
        assert node.title in text and textwrap.shorten(node.explanation, 60, placeholder="") in flat, node.id
    assert max(len(line) for line in text.splitlines()) <= 96
    short = flowchart.render_text(flowchart.path_for("cbr", True), explain=False)
    assert flowchart.node("symptom").explanation[:40] not in short and "(your path)" in short
    mermaid = flowchart.render_mermaid()
    assert all(f"%% {node.id}: {node.explanation}" in mermaid for node in flowchart.NODES)


def test_an_explanation_reads_as_one_text_without_stacked_colons():
    from wizard.flowchart import explained, node

    question = explained(node("csbs_format"))
    assert question.startswith("Is the backup in the new format? New-format")
    out_of_scope = explained(node("out_of_scope"))
    assert out_of_scope.startswith("Not a full-ECS image: out of scope. System-disk") and "::" not in out_of_scope


def test_every_view_draws_the_same_nodes_with_the_same_numbers():
    from screens.widgets.flowchart import flowchart_text
    from wizard.flowchart import PATHS, outline, render_text

    path = next(iter(PATHS.values()))
    tui = flowchart_text(path).plain
    text = render_text(path, explain=False, width=400)
    headings = [heading for _, heading in outline()]
    assert len(headings) == 7 and headings[2].startswith("3. Is the image active?")
    for heading in headings:
        assert heading in tui and heading in text
