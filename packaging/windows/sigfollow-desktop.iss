; Inno Setup 6 script of the SigFollow Desktop installer for Windows 10/11 (x64).
;
; Build with packaging\windows\build.ps1, which makes the PyInstaller bundle in
; packaging\out\dist\sigfollow-desktop first and then compiles this script with ISCC.
; The version is read from the bundle's sigfollow-desktop.exe, whose version resource the
; PyInstaller spec writes from sigfollow_desktop/__init__.py (the single version source).
;
; Installs per user by default (no administrator rights; {autopf} is then
; %LOCALAPPDATA%\Programs) and offers all users in a dialog. Creates a Start-menu entry, an
; optional desktop icon, and an uninstaller listed in Settings > Apps. The uninstaller removes
; the program files only: the database and logs in %LOCALAPPDATA%\SigFollow\sigfollow-desktop
; and the signing secrets in Windows Credential Manager stay, so no event is lost by an
; uninstall or reinstall.

#define AppName "SigFollow Desktop"
#define AppPublisher "SigFollow"
#define GuiExe "SigFollowDesktop.exe"
#define CliExe "sigfollow-desktop.exe"
#define BundleDir AddBackslash(SourcePath) + "..\out\dist\sigfollow-desktop"
#define AppVersion GetStringFileInfo(BundleDir + "\" + CliExe, "ProductVersion")
#define NumericVersion GetVersionNumbersString(BundleDir + "\" + CliExe)
#if AppVersion == ""
  #error The bundle is missing: run packaging\windows\build.ps1 (it builds the bundle, then this script)
#endif

[Setup]
; AppId identifies the program to the uninstaller and to upgrades: never change it.
AppId={{3D06F7A9-ACD3-46B0-B5A1-395F53EEB8FF}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppCopyright=Copyright (C) {#AppPublisher}
VersionInfoVersion={#NumericVersion}
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 supports Windows 10 and later.
MinVersion=10.0
OutputDir={#SourcePath}\..\out
OutputBaseFilename=SigFollowDesktop-{#AppVersion}-setup
SetupIconFile={#SourcePath}\..\icons\sigfollow-desktop.ico
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2
SolidCompression=yes
; Close a running SigFollow Desktop (Restart Manager) before files are replaced or removed.
CloseApplications=yes
#ifdef SIGN
; build.ps1 defines SIGN and the "sigfollow" sign tool (signtool.exe) when a certificate is given.
SignTool=sigfollow
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder bundle: the windowed SigFollowDesktop.exe, the console
; sigfollow-desktop.exe (command line, --self-test) and _internal\ (Python, Qt, resources).
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Comment: "Configure SigFollow webhooks and deliver signed events"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; The bundled Python writes no bytecode caches; should a cache folder ever appear next to the
; Alembic scripts (loaded as .py files at run time), it must not keep {app} from being removed.
Type: filesandordirs; Name: "{app}\_internal\sigfollow_desktop\store\migrations\__pycache__"
Type: filesandordirs; Name: "{app}\_internal\sigfollow_desktop\store\migrations\versions\__pycache__"
Type: dirifempty; Name: "{app}"
