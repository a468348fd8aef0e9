"""Pulling exports from where provinces and VNPost publish them (an SFTP folder, an HTTP(S) folder
or JSON index, a shared folder) into the landing zone: `sources` says where and with which secrets,
`remote` lists and reads through fsspec, `store` lands each file exactly once, `puller` runs a pull.
"""

from pipelines.pull.puller import PullReport, pull
from pipelines.pull.sources import PullSource, SourceError, load_sources

__all__ = ["PullReport", "PullSource", "SourceError", "load_sources", "pull"]
