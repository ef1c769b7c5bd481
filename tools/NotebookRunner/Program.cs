// Entry point of the notebook runner; see Cli for the options and NotebookExecutor / Runner for the API.
return await NotebookRunner.Cli.InvokeAsync(args);
