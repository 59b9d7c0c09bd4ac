#!/usr/bin/env python3
"""Tests of scripts/eval_relevance.py's measures and judgments: python3 scripts/test_eval_relevance.py"""

import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_relevance as ev  # noqa: E402


class Measures(unittest.TestCase):
    def test_precision_counts_relevant_in_the_top_ten_over_ten(self):
        ranking = ["a", "x", "b", "y"]
        self.assertAlmostEqual(ev.precision_at(ranking, {"a", "b", "c"}), 0.2)
        self.assertEqual(ev.precision_at([], {"a"}), 0.0)

    def test_ndcg_binary_gains_log2_discount_ideal_capped_by_relevant(self):
        # relevant at ranks 1 and 3; two relevant stories, so the ideal is ranks 1 and 2
        dcg = 1 / math.log2(2) + 1 / math.log2(4)
        ideal = 1 / math.log2(2) + 1 / math.log2(3)
        self.assertAlmostEqual(ev.ndcg_at(["a", "x", "b"], {"a", "b"}), dcg / ideal)
        self.assertAlmostEqual(ev.ndcg_at(["a", "b"], {"a", "b"}), 1.0)
        # with more than ten relevant stories the ideal is ten ones
        relevant = {str(n) for n in range(30)}
        self.assertAlmostEqual(ev.ndcg_at([str(n) for n in range(10)], relevant), 1.0)
        self.assertEqual(ev.ndcg_at(["x", "y"], {"a"}), 0.0)

    def test_average_precision_divides_by_relevant_capped_at_the_depth(self):
        # hits at ranks 1 and 3 of 4 relevant: (1/1 + 2/3) / 4
        self.assertAlmostEqual(ev.average_precision_at(["a", "x", "b"], {"a", "b", "c", "d"}),
                               (1 + 2 / 3) / 4)
        # 150 relevant, the first 100 returned all relevant: 1.0, not 100/150
        relevant = {str(n) for n in range(150)}
        self.assertAlmostEqual(ev.average_precision_at([str(n) for n in range(100)], relevant), 1.0)
        # a relevant story below the depth does not count
        self.assertEqual(ev.average_precision_at(["x"] * 100 + ["a"], {"a"}), 0.0)


class Engines(unittest.TestCase):
    def test_fts5_query_quotes_each_word_for_an_implicit_and(self):
        self.assertEqual(ev.fts5_match("balance of payments"), '"balance" "of" "payments"')
        self.assertEqual(ev.fts5_match("U.S. crude-oil"), '"U" "S" "crude" "oil"')


class Evaluation(unittest.TestCase):
    def test_wins_losses_and_largest_losses_against_the_best_peer(self):
        stories = {"1": {"title": "A", "body": "", "topics": ["t1"]},
                   "2": {"title": "B", "body": "", "topics": ["t2"]},
                   "3": {"title": "C", "body": "", "topics": []}}
        queries = [("t1", "first"), ("t2", "second")]
        rankings = {"briefs": {"t1": ["1"], "t2": ["3", "2"]},
                    "fts5": {"t1": ["3", "1"], "t2": ["2"]}}
        result = ev.evaluate(stories, queries, rankings, {})
        self.assertEqual(result["wins"]["fts5"], {"wins": 1, "ties": 0, "losses": 1})
        self.assertEqual(result["per_topic"]["t2"]["briefs_vs_best_peer"], "loss")
        [loss] = result["largest_losses"]
        self.assertEqual((loss["topic"], loss["peer"]), ("t2", "fts5"))
        self.assertEqual([hit["relevant"] for hit in loss["top"]["briefs"]], [False, True])
        self.assertAlmostEqual(result["means"]["fts5"]["p10"], 0.1)


if __name__ == "__main__":
    unittest.main()
