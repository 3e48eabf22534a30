"""Log rendering, store-failure causes and the folding of dead workers' metric files."""

import json
import logging

from prometheus_client.mmap_dict import MmapedDict
from pymongo.errors import OperationFailure

from app.domain.errors import StoreUnavailable
from app.telemetry import multiprocess
from app.telemetry.logs import StructuredFormatter, store_failure_cause


def record(**extra) -> logging.LogRecord:
    made = logging.LogRecord("app.request", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    made.__dict__.update(extra)
    return made


def test_key_value_lines_quote_only_values_that_need_it():
    line = StructuredFormatter("kv").format(record(route="/api/hospitals", note="two words"))
    assert line.endswith('msg="GET /x" route=/api/hospitals note="two words"')


def test_json_lines_carry_the_extra_fields():
    line = json.loads(StructuredFormatter("json").format(record(status=201)))
    assert (line["level"], line["logger"], line["msg"], line["status"]) == (
        "INFO", "app.request", "GET /x", 201)


def test_store_failure_cause_names_the_driver_error_without_quoted_documents():
    cause = OperationFailure("WriteConflict error, full error: {'keyValue': {'patient_phone': "
                             "'+8801999777555'}}", code=112)
    try:
        raise StoreUnavailable() from cause
    except StoreUnavailable as exc:
        fields = store_failure_cause(exc)
    assert fields["cause"] == "pymongo.errors.OperationFailure"
    assert fields["cause_message"].startswith("WriteConflict error")
    assert "8801999777555" not in fields["cause_message"]


def write_samples(path, values: dict) -> None:
    samples = MmapedDict(str(path))
    for key, value in values.items():
        samples.write_value(key, value, 0.0)
    samples.close()


def read_samples(path) -> dict:
    return {k: v for k, v, _, _ in MmapedDict.read_all_values_from_file(str(path))}


def test_a_dead_workers_counters_fold_into_the_archive_keeping_totals(tmp_path):
    write_samples(tmp_path / "counter_101.db", {"a": 2.0, "b": 1.0})
    write_samples(tmp_path / "counter_102.db", {"a": 3.0})
    multiprocess.retire_worker(101, tmp_path)
    multiprocess.retire_worker(102, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["counter_archive.db"]
    assert read_samples(tmp_path / "counter_archive.db") == {"a": 5.0, "b": 1.0}
