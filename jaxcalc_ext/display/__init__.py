"""What a person sees: matplotlib figures (``figures``, ``drawable``, ``taylor_figure``), the
result objects with their rich reprs (``results``), the static picture used where widgets do
not run (``static_fallback``) and both widgets (``taylor_widget``, ``graph_widget``), whose
JavaScript in ``static/`` shares one helper module (``static/common.js``)."""
