"""POST /compile keeps the latticesurgery.com web client working: body parsed twice, slices of
lsqecc's structure, compilation_text the client can split, errors as plain text."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import (
    ClientWouldFail,
    decoded,
    parse_compilation_text,
    read_compile_response,
)
from tests.service.recorded import NAMES, circuit, load

# The enums the client mirrors in its slices.ts.
EDGE_KEYS = {"Top", "Bottom", "Left", "Right"}
EDGE_TYPES = {"Solid", "SolidStiched", "Dashed", "DashedStiched", "AncillaJoin"}
PATCH_TYPES = {"Qubit", "DistillationQubit", "Ancilla"}
CELL_KEYS = ["edges", "patch_type", "text", "activity"]


def client_request(source: str, litinski: bool | None = True) -> dict:
    body = {"circuit_source": "str", "circuit": source, "simulation_method": "StateVector"}
    if litinski is not None:
        body["apply_litinski_transform"] = litinski
    return body


def body_bytes(result: dict) -> bytes:
    return decoded(result).content


def assert_slice_structure(slices: list) -> None:
    assert slices, "no slices"
    for layer in slices:
        assert isinstance(layer, list) and layer
        width = len(layer[0])
        for row in layer:
            assert isinstance(row, list) and len(row) == width
            for cell in row:
                if cell is None:
                    continue
                assert list(cell) == CELL_KEYS
                assert set(cell["edges"]) <= EDGE_KEYS
                assert set(cell["edges"].values()) <= EDGE_TYPES
                assert cell["patch_type"] in PATCH_TYPES
                assert cell["text"] is None or isinstance(cell["text"], str)


@pytest.mark.parametrize("litinski", [True, False])
@pytest.mark.parametrize("name", NAMES)
def test_recorded_outputs_reach_the_client_intact(invoke, recorded_compiler, name, litinski):
    result = invoke("POST", "/compile", client_request(circuit(name), litinski))

    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"] == "application/json"
    assert result["isBase64Encoded"] is False  # only gzip bodies travel as base64
    document = read_compile_response(body_bytes(result))  # parsed twice, as the client does
    recorded = load(name, litinski)
    assert document["slices"] == recorded["slices"]
    assert_slice_structure(document["slices"])
    stages = [s.name for s in parse_compilation_text(document["compilation_text"])]
    expected = ["Input Circuit", "Pauli Rotations"]
    expected += ["Litinski Transform"] if litinski else []
    # lsqecc writes a resource estimate only when it has one (not for Clifford-only circuits);
    # this service's own estimate is always there.
    expected += ["Resource Estimation"]
    assert stages == expected
    assert recorded_compiler.calls[-1][2] == "NOOP"


def test_upstream_text_without_the_transform_would_blank_the_client_page():
    """Why legacy_text exists: lsqecc's own text with the transform off breaks the client."""
    with pytest.raises(ClientWouldFail):
        parse_compilation_text(load("readme_example", False)["compilation_text"])


def test_the_text_keeps_lsqeccs_sections_exactly(invoke, recorded_compiler):
    heading = "Estimated resources needed for computation:\n"
    ours = "\n\nthis service's estimate, at physical error rate 0.001"
    recorded = load("readme_example", True)["compilation_text"]
    result = invoke("POST", "/compile", client_request(circuit("readme_example"), True))
    text = read_compile_response(body_bytes(result))["compilation_text"]
    # lsqecc repeats the resource heading: only the repeat is dropped; this service's estimate
    # follows lsqecc's.
    assert recorded.count(heading) == 2 and text.count(heading) == 1
    lsqecc, _, added = text.partition(ours)
    assert lsqecc == recorded.replace(heading + heading, heading) and added

    plain = load("readme_example", False)["compilation_text"]
    result = invoke("POST", "/compile", client_request(circuit("readme_example"), False))
    text = read_compile_response(body_bytes(result))["compilation_text"].partition(ours)[0]
    # And an empty "Circuit." piece goes before the resource section; nothing else changes.
    assert text.replace("\nCircuit.\nCircuit. Estimated", "\nCircuit. Estimated") == plain.replace(
        heading + heading, heading
    )
    assert "NOOP" not in text and "simulat" not in text.lower()


@pytest.mark.parametrize("litinski", [True, False])
def test_the_resource_estimation_box_shows_the_numbers(invoke, recorded_compiler, litinski):
    result = invoke("POST", "/compile", client_request(circuit("readme_example"), litinski))
    stages = parse_compilation_text(read_compile_response(body_bytes(result))["compilation_text"])
    recorded = load("readme_example", litinski)["compilation_text"]
    numbers = recorded.rpartition("computation:\n")[2]  # lsqecc's: "code distance: 9\n..."
    assert stages[-1].name == "Resource Estimation"
    lsqecc, _, ours = stages[-1].content.partition("\n\n")
    assert lsqecc == numbers and numbers.startswith("code distance: ")
    assert ours.startswith("this service's estimate, at physical error rate 0.001, 1 us code")
    assert "physical qubits: " in ours and "run time secs: " in ours


def test_the_box_shows_this_services_estimate_by_hand(invoke, recorded_compiler):
    # The README example with the transform (test_resources.py works these out by hand).
    result = invoke("POST", "/compile", client_request(circuit("readme_example"), True))
    stages = parse_compilation_text(read_compile_response(body_bytes(result))["compilation_text"])
    assert stages[-1].content.splitlines()[-4:] == [
        "layout: 18 tiles x 82 slices, 1 T gates, 1 magic states",
        "code distance: 11",
        "physical qubits: 4,356",
        "run time secs: 0.000902",
    ]


def test_transform_defaults_to_on(invoke, recorded_compiler):
    result = invoke("POST", "/compile", client_request(circuit("bell_pair"), None))
    assert result["statusCode"] == 200
    assert recorded_compiler.calls[-1][1] is True


def test_service_notes_travel_in_headers(invoke, recorded_compiler):
    result = invoke("POST", "/compile", client_request(circuit("bell_pair")))
    headers = result["headers"]
    assert headers["X-Simulator"] == "NOOP"
    assert float(headers["X-Compile-Seconds"]) >= 0
    assert headers["X-Compiler-Commit"]


def test_gzip_when_the_client_accepts_it(invoke, recorded_compiler):
    request = client_request(circuit("readme_example"))
    plain = invoke("POST", "/compile", request)
    zipped = invoke("POST", "/compile", request, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert zipped["isBase64Encoded"] is True
    assert zipped["headers"]["Content-Encoding"] == "gzip"
    assert len(base64.b64decode(zipped["body"])) * 10 < len(plain["body"])
    assert body_bytes(zipped) == body_bytes(plain)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("not json", 400, "not valid JSON"),
        ("", 400, "empty"),
        ("[1, 2]", 400, "Expected `object`"),
        ({"circuit_source": "str"}, 400, "missing required field `circuit`"),
        ({"circuit_source": "file", "circuit": "x"}, 400, "circuit_source"),
        ({"circuit": 5}, 400, "Expected `str`"),
        ({"circuit": "x", "apply_litinski_transform": "false"}, 400, "apply_litinski_transform"),
        ({"circuit": "x", "apply_litinski_transform": 0}, 400, "Expected `bool`"),
    ],
)
def test_bad_requests_get_plain_text_400(invoke, body, status, words):
    result = invoke("POST", "/compile", body)
    assert result["statusCode"] == status
    assert result["headers"]["Content-Type"].startswith("text/plain")
    assert words in result["body"]
    with pytest.raises(json.JSONDecodeError):  # the client shows it as text; never a JSON object
        json.loads(result["body"])


def test_unknown_route_is_a_404_with_a_message(invoke):
    result = invoke("POST", "/compile/extra", {"circuit": "x"})
    assert result["statusCode"] == 404
    assert "no route" in json.loads(result["body"])["error"]["message"]


def test_cors_for_the_web_client(invoke, recorded_compiler):
    origin = {"Origin": "https://latticesurgery.com"}
    preflight = invoke(
        "OPTIONS", "/compile", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight["statusCode"] == 204
    assert preflight["headers"]["Access-Control-Allow-Origin"] == "https://latticesurgery.com"
    assert "POST" in preflight["headers"]["Access-Control-Allow-Methods"]

    result = invoke("POST", "/compile", client_request(circuit("bell_pair")), headers=origin)
    assert result["headers"]["Access-Control-Allow-Origin"] == "https://latticesurgery.com"
    assert "X-Compiler-Commit" in result["headers"]["Access-Control-Expose-Headers"]

    other = invoke(
        "POST", "/compile", client_request(circuit("bell_pair")), {"Origin": "https://x"}
    )
    assert "Access-Control-Allow-Origin" not in other["headers"]


@pytest.mark.parametrize("path", ["/compile", "/v2/compile"])
def test_a_body_that_is_not_utf8_is_a_400(invoke, path):
    result = invoke("POST", path, b'{"circuit": "\xff\xfe"}')
    assert result["statusCode"] == 400
    assert "utf-8" in result["body"].lower()


def test_base64_request_bodies_as_api_gateway_sends_them_with_binary_media_types(
    invoke, recorded_compiler
):
    import app

    from tests.conftest import CONTEXT, rest_event, with_flat_headers

    event = rest_event("POST", "/compile")
    raw = json.dumps({"circuit": circuit("bell_pair")}).encode()
    event.update(body=base64.b64encode(raw).decode(), isBase64Encoded=True)
    result = with_flat_headers(app.lambda_handler(event, CONTEXT))
    assert result["statusCode"] == 200
    assert read_compile_response(body_bytes(result))["slices"] == load("bell_pair", True)["slices"]

    event.update(body="%%% not base64 %%%")
    result = app.lambda_handler(event, CONTEXT)
    assert result["statusCode"] == 400 and "base64" in result["body"]
