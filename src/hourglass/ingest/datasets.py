"""Named datasets: layouts, label columns and normal values filled in for the user.

``--dataset nsl-kdd`` knows NSL-KDD's header-less 43-column layout, that ``label`` holds
``normal`` or an attack name, that ``difficulty`` is metadata, and how attack names group into
DoS / Probe / R2L / U2R.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from hourglass.errors import InputError
from hourglass.ingest.readers import read_table

__all__ = ["DATASETS", "DatasetSpec", "demo_path", "get_dataset"]

NSL_KDD_FEATURES = (
    "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land",
    "wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in", "num_compromised",
    "root_shell", "su_attempted", "num_root", "num_file_creations", "num_shells",
    "num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count",
    "srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate",
    "same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
    "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
    "dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate",
)

# The standard grouping of NSL-KDD attack names used in the literature (httptunnel under U2R).
NSL_KDD_CATEGORIES = {
    **dict.fromkeys(("apache2", "back", "land", "mailbomb", "neptune", "pod", "processtable",
                     "smurf", "teardrop", "udpstorm"), "DoS"),
    **dict.fromkeys(("ipsweep", "mscan", "nmap", "portsweep", "saint", "satan"), "Probe"),
    **dict.fromkeys(("ftp_write", "guess_passwd", "imap", "multihop", "named", "phf", "sendmail",
                     "snmpgetattack", "snmpguess", "spy", "warezclient", "warezmaster", "worm",
                     "xlock", "xsnoop"), "R2L"),
    **dict.fromkeys(("buffer_overflow", "httptunnel", "loadmodule", "perl", "ps", "rootkit",
                     "sqlattack", "xterm"), "U2R"),
}


@dataclass(frozen=True)
class DatasetSpec:
    """How to read a named dataset and which rows are normal.

    Attributes
    ----------
    name
        Name used on the command line.
    columns
        Column names for header-less files (``None``: the file has a header).
    label_col
        Column holding the label.
    normal
        Label values that mean "normal".
    drop
        Metadata columns that are never features.
    categories
        Map from label value to a coarser category, for per-category detection rates.
    categorical
        Columns to one-hot even if they look numeric.
    """

    name: str
    columns: tuple[str, ...] | None
    label_col: str
    normal: tuple[str, ...]
    drop: tuple[str, ...] = ()
    categories: dict[str, str] = field(default_factory=dict)
    categorical: tuple[str, ...] = ()

    def read(self, path: str | os.PathLike[str]) -> pd.DataFrame:
        """Read a file of this dataset and check its layout.

        A file whose field count does not match the dataset raises :class:`InputError`.
        """
        df = read_table(path, names=self.columns)
        if self.columns is not None and df[self.columns[-1]].isna().all():
            raise InputError(f"{path}: expected {len(self.columns)} comma-separated fields per "
                             f"line for {self.name}, found fewer")
        if self.label_col not in df.columns:
            raise InputError(f"{path}: no column {self.label_col!r}; is this a {self.name} file?")
        return df


DATASETS: dict[str, DatasetSpec] = {
    "nsl-kdd": DatasetSpec(
        name="nsl-kdd",
        columns=(*NSL_KDD_FEATURES, "label", "difficulty"),
        label_col="label",
        normal=("normal",),
        drop=("difficulty",),
        categories=NSL_KDD_CATEGORIES,
        categorical=("protocol_type", "service", "flag"),
    ),
}


def get_dataset(name: str) -> DatasetSpec:
    """The :class:`DatasetSpec` called ``name``.

    Examples
    --------
    >>> get_dataset("nsl-kdd").label_col
    'label'
    """
    key = name.strip().lower()
    if key not in DATASETS:
        raise InputError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[key]


def demo_path(part: str) -> Path:
    """Path of the bundled NSL-KDD demo sample, ``part`` = ``"train"`` or ``"test"``.

    The sample is drawn from NSL-KDD (Tavallaee et al., 2009): ``train`` from KDDTrain+,
    ``test`` from KDDTest+, in the original header-less layout.

    Examples
    --------
    >>> demo_path("train").name
    'nsl_kdd_demo_train.txt.gz'
    """
    if part not in ("train", "test"):
        raise InputError(f"demo part must be 'train' or 'test', got {part!r}")
    ref = resources.files("hourglass") / "data" / f"nsl_kdd_demo_{part}.txt.gz"
    return Path(str(ref))
