LlmPlatform.TokenizerService.TokenizerApp.Build(args).Run();
