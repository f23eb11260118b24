"""The instructor's side of the course: collecting a class's reports into a verified gradebook
(`grade collect`) and exporting the course to other graders (`grade export`)."""
