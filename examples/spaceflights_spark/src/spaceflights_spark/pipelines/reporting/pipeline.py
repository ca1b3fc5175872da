from kedro.pipeline import Pipeline, node, pipeline

from .nodes import price_band_report, rank_shuttles, top_shuttles_report


def create_pipeline(**kwargs) -> Pipeline:
    base = pipeline(
        [
            node(
                rank_shuttles,
                inputs=["shuttle_scores", "engine_stats", "params:top_n"],
                outputs="ranked",  # becomes reporting.ranked: in memory, not in the catalog
                name="rank_shuttles_node",
            ),
            node(
                top_shuttles_report,
                inputs=["ranked", "preprocessed_companies"],
                outputs="top_shuttles_table",
                name="top_shuttles_report_node",
            ),
            node(
                price_band_report,
                inputs=["ranked", "price_bands"],
                outputs="price_bands_table",
                name="price_band_report_node",
            ),
        ]
    )
    # Namespaced: node names, the `ranked` and `*_table` datasets and `params:top_n` get the
    # prefix `reporting.`; the inputs listed here keep their names.
    return pipeline(
        base,
        namespace="reporting",
        inputs={"shuttle_scores", "engine_stats", "preprocessed_companies", "price_bands"},
    )
