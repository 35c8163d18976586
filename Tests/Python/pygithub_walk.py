"""Walks a paginated list through the ghcache local endpoint with PyGithub, as fleet software would.

Usage: pygithub_walk.py BASE_URL TOKEN OWNER/REPO WALKS
Prints one JSON object: the issue numbers of each walk, every issue's `url`, the repository's `url`
and its owner's `url` (PyGithub follows the API's own URLs, so they must lead back to BASE_URL).
"""

import json
import sys

from github import Auth, Github


def main() -> None:
    base_url, token, full_name, walks = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    gh = Github(base_url=base_url, auth=Auth.Token(token), per_page=5, retry=None, timeout=20)
    repo = gh.get_repo(full_name)
    numbers = []
    urls = []
    for _ in range(walks):
        issues = list(repo.get_issues(state="all"))
        numbers.append([issue.number for issue in issues])
        urls.extend(issue.url for issue in issues)
    json.dump({"numbers": numbers, "urls": urls, "repo_url": repo.url, "owner_url": repo.owner.url}, sys.stdout)


if __name__ == "__main__":
    main()
